//! The catalogue of keys and their types, derived by serializing `Config::default()`, so the
//! loader cannot drift from the structs. Also names: secret keys and environment variables.

use toml::{Table, Value};

use super::Config;

/// Keys holding secrets: their values are never printed, and they can be read from a file.
const SECRET_KEYS: [&str; 4] = ["server.metrics_token", "mattermost.bot_token", "webhook.secret", "admin.api_token"];

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

pub(super) fn is_secret(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// `mattermost.bot_token` → `JIRABRIDGE_MATTERMOST__BOT_TOKEN`.
pub(super) fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replacen('.', "__", 1).to_uppercase())
}
