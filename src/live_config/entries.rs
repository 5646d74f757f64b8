//! The settings as the console and `GET /api/v1/settings` show them: every key with its
//! value, default, source and help. Secret values are never shown, only whether they are set.

use serde::Serialize;
use serde_json::Value as Json;

use super::{Settings, REGENERATED};
use crate::config::catalog::{self, Apply, KeyInfo};
use crate::config::{default_value, value_to_json, Source};

/// One setting as shown to an admin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingEntry {
    pub key: &'static str,
    /// `null` for secrets.
    pub value: Json,
    /// `null` for secrets.
    pub default: Json,
    pub source: Source,
    /// The Mattermost Jira plugin's setting for the same thing.
    pub plugin_name: Option<&'static str>,
    pub secret: bool,
    /// For secrets only: whether one is in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<bool>,
    /// Whether the console and `PATCH /api/v1/settings` may change it now.
    pub editable: bool,
    /// Read only at start-up: edit the config file and restart.
    pub startup_only: bool,
    pub help: &'static str,
    /// The feature, missing from this version, that will use the key (it has no effect yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<&'static str>,
}

impl Settings {
    /// Every setting in catalogue order.
    pub fn entries(&self) -> Vec<SettingEntry> {
        let live = self.live();
        let values = live.config.values();
        catalog::CATALOG
            .iter()
            .map(|info| {
                let value = values.get(info.key).map(value_to_json).unwrap_or(Json::Null);
                let source = live.sources.get(info.key).copied().unwrap_or(Source::Default);
                self.entry(info, value, source)
            })
            .collect()
    }

    fn entry(&self, info: &'static KeyInfo, value: Json, source: Source) -> SettingEntry {
        let default = default_value(info.key).map(|d| value_to_json(&d)).unwrap_or(Json::Null);
        let generated = self.generated(info.key) && !source.pins();
        let source = if generated { Source::Console } else { source };
        let set = info.secret.then(|| generated || is_set(&value));
        let (value, default) = if info.secret { (Json::Null, Json::Null) } else { (value, default) };
        SettingEntry {
            key: info.key,
            value,
            default,
            source,
            plugin_name: info.plugin_name,
            secret: info.secret,
            set,
            editable: info.apply == Apply::Runtime && !source.pins() && !is_regenerated(info.key),
            startup_only: info.apply == Apply::Startup,
            help: info.help,
            waits_for: info.waits_for,
        }
    }

    /// A generated secret is in the store (webhook secret, admin token hash).
    fn generated(&self, key: &str) -> bool {
        let Some((_, name)) = REGENERATED.iter().find(|(k, _)| *k == key) else { return false };
        self.inner.store.has_secret(name).unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not read the secret store");
            false
        })
    }
}

pub(super) fn is_regenerated(key: &str) -> bool {
    REGENERATED.iter().any(|(k, _)| *k == key)
}

fn is_set(value: &Json) -> bool {
    match value {
        Json::String(text) => !text.is_empty(),
        Json::Array(items) => !items.is_empty(),
        Json::Null => false,
        _ => true,
    }
}
