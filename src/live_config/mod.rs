//! The live settings: the configuration in force, which the console and `PATCH
//! /api/v1/settings` change while jirabridge runs (SPEC §2.1). Precedence, low to high:
//! default < console < file < environment; a key set in the file or the environment is
//! pinned. Code that reads an R key asks [`Settings::current`] when it uses the value, so
//! a change applies at once; parts that keep derived state (the Mattermost client, the
//! channel cache, the log filter) register an [`Settings::on_change`] listener.

mod entries;
mod reload;
#[cfg(test)]
mod tests;
mod update;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use toml::Value;

use crate::config::{catalog, json_to_value, Config, LoadedConfig, Source};
use crate::store::{MasterKey, Store, StoreError};

pub use entries::SettingEntry;
pub use reload::ReloadOutcome;
pub use update::SettingsError;

/// Secrets that are generated and regenerated (`POST /api/v1/secrets/...`), never typed
/// in, with the `secret_value` record that holds them.
const REGENERATED: [(&str, &str); 2] = [
    ("webhook.secret", crate::store::secret_names::WEBHOOK_SECRET),
    ("admin.api_token", crate::store::secret_names::ADMIN_TOKEN_HASH),
];

/// Called after each change with the configuration before and after it.
type Listener = Box<dyn Fn(&Config, &Config) + Send + Sync>;

/// Handle to the live settings; cheap to clone.
#[derive(Clone)]
pub struct Settings {
    inner: Arc<Inner>,
}

struct Inner {
    /// The configuration as loaded from defaults, file and environment (read again by
    /// `reload`).
    base: RwLock<LoadedConfig>,
    store: Store,
    key: MasterKey,
    live: RwLock<Live>,
    /// Updates run one at a time, so none is lost between read and swap.
    updating: Mutex<()>,
    listeners: Mutex<Vec<Listener>>,
}

#[derive(Clone)]
struct Live {
    config: Arc<Config>,
    sources: BTreeMap<String, Source>,
    /// The console values in force (secret ones included, decrypted).
    console: BTreeMap<String, Value>,
}

impl Settings {
    /// The config file this process read, if any (for commands shown to the admin).
    pub fn config_file(&self) -> Option<std::path::PathBuf> {
        self.base().file.clone()
    }

    /// The file-and-environment configuration under the console values.
    fn base(&self) -> std::sync::RwLockReadGuard<'_, LoadedConfig> {
        self.inner.base.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The loaded configuration with the console values from the store applied. A stored
    /// value that no longer passes validation (e.g. after an upgrade) is skipped with a
    /// warning rather than stopping jirabridge.
    pub fn load(base: LoadedConfig, store: Store, key: MasterKey) -> Result<Settings, StoreError> {
        let console = read_console(&store, &key)?;
        let live = overlay_skipping_bad(&base, console)?;
        let inner = Inner {
            base: RwLock::new(base),
            store,
            key,
            live: RwLock::new(live),
            updating: Mutex::new(()),
            listeners: Mutex::new(Vec::new()),
        };
        Ok(Settings { inner: Arc::new(inner) })
    }

    /// The configuration in force now. Read it where a value is used, not once at start.
    pub fn current(&self) -> Arc<Config> {
        // Called several times per webhook: copy only the Arc, not the source maps.
        self.inner.live.read().unwrap_or_else(|p| p.into_inner()).config.clone()
    }

    /// Where the value of `key` in force comes from.
    pub fn source(&self, key: &str) -> Source {
        let live = self.inner.live.read().unwrap_or_else(|p| p.into_inner());
        live.sources.get(key).copied().unwrap_or(Source::Default)
    }

    /// Calls `listener(before, after)` after every change.
    pub fn on_change(&self, listener: impl Fn(&Config, &Config) + Send + Sync + 'static) {
        self.inner.listeners.lock().unwrap_or_else(|p| p.into_inner()).push(Box::new(listener));
    }

    fn live(&self) -> Live {
        self.inner.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// `base` with the `console` values under it; a console value that does not pass (e.g.
/// after an upgrade, or under a reloaded file) is dropped with a warning.
fn overlay_skipping_bad(base: &LoadedConfig, mut console: BTreeMap<String, Value>) -> Result<Live, StoreError> {
    loop {
        match base.overlay(&console) {
            Ok(overlaid) => return Ok(Live { config: Arc::new(overlaid.config), sources: overlaid.sources, console }),
            Err(problems) => {
                let before = console.len();
                for problem in problems {
                    tracing::warn!("ignoring the console value of {}: {}", problem.key, problem.message);
                    console.remove(&problem.key);
                }
                if console.len() == before {
                    return Err(StoreError::Codec("the loaded configuration does not validate".into()));
                }
            }
        }
    }
}

/// Where a console-edited secret setting is kept in `secret_value`.
fn secret_name(key: &str) -> String {
    format!("setting:{key}")
}

/// Console values from `setting_value`, and secret ones from `secret_value`.
fn read_console(store: &Store, key: &MasterKey) -> Result<BTreeMap<String, Value>, StoreError> {
    let mut console = BTreeMap::new();
    for (name, record) in store.setting_values()? {
        console.extend(parse_stored(&name, &record.value_json));
    }
    for info in catalog::CATALOG.iter().filter(|k| k.secret && k.apply == catalog::Apply::Runtime) {
        if let Some(stored) = store.secret(&secret_name(info.key), key)? {
            console.extend(parse_stored(info.key, &stored.value));
        }
    }
    Ok(console)
}

fn parse_stored(key: &str, json: &str) -> Option<(String, Value)> {
    let parsed = serde_json::from_str(json).ok().and_then(|json| json_to_value(&json).ok());
    if parsed.is_none() {
        tracing::warn!("ignoring the stored console value of {key}: it is not a setting value");
    }
    parsed.map(|value| (key.to_owned(), value))
}
