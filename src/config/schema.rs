//! The catalogue of keys and their types, derived by serializing `Config::default()`, so the
//! loader cannot drift from the structs. Also names: secret keys and environment variables.
//! (What each key means and when it applies is in `catalog`.)

use toml::{Table, Value};

use super::Config;

/// Suffix of the key (`_file`) or variable (`_FILE`) naming a file that holds a secret.
pub(super) const FILE_SUFFIX: &str = "_file";

pub(super) const ENV_PREFIX: &str = "JIRABRIDGE_";

/// Every key with its default value, as a two-level TOML table.
pub(super) struct Schema {
    defaults: Table,
}

impl Schema {
    pub(super) fn new() -> Self {
        let defaults =
            Table::try_from(Config::default()).expect("the default configuration serializes to a TOML table");
        Self { defaults }
    }

    pub(super) fn defaults(&self) -> &Table {
        &self.defaults
    }

    /// The default of a `section.key`; its TOML type is the key's declared type.
    pub(super) fn default_value(&self, key: &str) -> Option<&Value> {
        let (section, name) = key.split_once('.')?;
        self.defaults.get(section)?.get(name)
    }

    pub(super) fn has_section(&self, section: &str) -> bool {
        self.defaults.contains_key(section)
    }

    pub(super) fn sections(&self) -> impl Iterator<Item = &str> {
        self.defaults.keys().map(String::as_str)
    }

    /// All keys as `section.key`, in order.
    pub(super) fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (section, table) in &self.defaults {
            let names = table.as_table().into_iter().flat_map(|t| t.keys());
            keys.extend(names.map(|name| format!("{section}.{name}")));
        }
        keys
    }
}

/// Secret keys are never printed; see the catalogue.
pub(super) fn is_secret(key: &str) -> bool {
    super::catalog::is_secret(key)
}

/// Secrets held in one string can also be read from a file (`<key>_file`, `…_FILE`).
pub(super) fn takes_file(schema: &Schema, key: &str) -> bool {
    is_secret(key) && matches!(schema.default_value(key), Some(Value::String(_)))
}

/// Every key as `section.key`, in order.
pub fn keys() -> Vec<String> {
    Schema::new().keys()
}

/// The built-in default of a `section.key`.
pub fn default_value(key: &str) -> Option<Value> {
    Schema::new().default_value(key).cloned()
}

/// `mattermost.bot_token` → `JIRABRIDGE_MATTERMOST__BOT_TOKEN`.
pub(super) fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replacen('.', "__", 1).to_uppercase())
}
