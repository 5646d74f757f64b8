//! Changing settings while jirabridge runs: check every change with the loader's rules,
//! store it (secrets encrypted in `secret_value`), audit it with secrets as `***`, and
//! swap the live configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value as Json};
use toml::Value;

use super::entries::{is_regenerated, SettingEntry};
use super::{secret_name, Live, Settings};
use crate::config::catalog::{self, Apply};
use crate::config::{default_value, json_to_value, value_to_json, Source};
use crate::store::records::{AuditRecordV1, SettingRecordV1};
use crate::store::{StoreError, StoredSecret};
use crate::utc::now_ms;

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Unknown keys, start-up-only keys and invalid values, by key.
    #[error("some settings cannot be changed as given")]
    Invalid(BTreeMap<String, String>),
    /// The key is set in the config file or the environment, which win over the console.
    #[error("{key}: set in {}; change it there", from.as_str())]
    Pinned { key: String, from: Source },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A change as given: `null` (or the default value) returns the key to its default.
type Change = (String, Json);

impl Settings {
    /// Applies `changes` together, or none of them; answers the settings after the change.
    pub fn update(&self, changes: &[Change], actor: &str) -> Result<Vec<SettingEntry>, SettingsError> {
        let _one_at_a_time = self.inner.updating.lock().unwrap_or_else(|p| p.into_inner());
        let before = self.live();
        let console = self.console_after(&before.console, changes)?;
        let overlaid = self
            .base()
            .overlay(&console)
            .map_err(|problems| SettingsError::Invalid(problems.into_iter().map(|p| (p.key, p.message)).collect()))?;
        let changed: Vec<&str> = changes.iter().map(|(key, _)| key.as_str()).collect();
        self.persist(&console, &changed, actor)?;
        // Stored, so in force now: the live config always matches the store.
        let after = Live { config: Arc::new(overlaid.config), sources: overlaid.sources, console };
        *self.inner.live.write().unwrap_or_else(|p| p.into_inner()) = after.clone();
        for listener in self.inner.listeners.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            listener(&before.config, &after.config);
        }
        self.audit(&before.console, &after.console, &changed, actor)?;
        Ok(self.entries())
    }

    /// The console values with `changes` applied, after the checks that need no merging.
    fn console_after(
        &self,
        console: &BTreeMap<String, Value>,
        changes: &[Change],
    ) -> Result<BTreeMap<String, Value>, SettingsError> {
        let mut next = console.clone();
        let mut problems = BTreeMap::new();
        for (key, json) in changes {
            match self.check_change(key, json) {
                Ok(Some(value)) => drop(next.insert(key.clone(), value)),
                Ok(None) => drop(next.remove(key)),
                Err(Problem::Invalid(message)) => drop(problems.insert(key.clone(), message)),
                Err(Problem::Pinned(source)) => return Err(SettingsError::Pinned { key: key.clone(), from: source }),
            }
        }
        if problems.is_empty() {
            Ok(next)
        } else {
            Err(SettingsError::Invalid(problems))
        }
    }

    /// `Some(value)` to store, `None` to return to the default.
    fn check_change(&self, key: &str, json: &Json) -> Result<Option<Value>, Problem> {
        let info = catalog::info(key).ok_or_else(|| Problem::Invalid(catalog::unknown_key_message(key)))?;
        if info.apply == Apply::Startup {
            return Err(Problem::Invalid(format!("{key} is start-up only; edit the config file and restart")));
        }
        let source = self.base().source_of(key);
        if source.pins() {
            return Err(Problem::Pinned(source));
        }
        if is_regenerated(key) {
            return Err(Problem::Invalid(format!("{key} cannot be typed in; regenerate it under Secrets")));
        }
        if json.is_null() {
            return Ok(None);
        }
        let value = json_to_value(json).map_err(|expected| Problem::Invalid(format!("{key}: expected {expected}")))?;
        Ok((Some(&value) != default_value(key).as_ref()).then_some(value))
    }

    /// Stores the changed keys: plain values in `setting_value`, secrets encrypted.
    fn persist(&self, console: &BTreeMap<String, Value>, changed: &[&str], actor: &str) -> Result<(), StoreError> {
        let store = &self.inner.store;
        let (mut set, mut removed) = (Vec::new(), Vec::new());
        for key in changed {
            let stored = console.get(*key).map(|value| value_to_json(value).to_string());
            match (catalog::is_secret(key), stored) {
                (true, Some(json)) => {
                    let secret = StoredSecret { value: json, valid_until_ms: None };
                    store.put_secret(&secret_name(key), &secret, &self.inner.key)?;
                }
                (true, None) => store.remove_secret(&secret_name(key))?,
                (false, Some(value_json)) => {
                    let record = SettingRecordV1::new(value_json, now_ms(), actor);
                    set.push((key.to_string(), record));
                }
                (false, None) => removed.push(key.to_string()),
            }
        }
        store.put_setting_values(&set, &removed)
    }

    fn audit(
        &self,
        before: &BTreeMap<String, Value>,
        after: &BTreeMap<String, Value>,
        changed: &[&str],
        actor: &str,
    ) -> Result<(), StoreError> {
        let entry = AuditRecordV1::new(
            actor,
            "settings.update",
            changed.join(","),
            Some(shown(before, changed).to_string()),
            Some(shown(after, changed).to_string()),
            now_ms(),
        );
        self.inner.store.audit(&entry)
    }
}

enum Problem {
    Invalid(String),
    Pinned(Source),
}

/// The console values of `keys` for the audit log: secrets as `***`, defaults as `null`.
fn shown(console: &BTreeMap<String, Value>, keys: &[&str]) -> Json {
    let mut object = Map::new();
    for key in keys {
        let value = match console.get(*key) {
            Some(_) if catalog::is_secret(key) => json!("***"),
            Some(value) => value_to_json(value),
            None => Json::Null,
        };
        object.insert(key.to_string(), value);
    }
    Json::Object(object)
}
