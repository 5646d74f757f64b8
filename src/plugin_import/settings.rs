//! The plugin's settings (SPEC §13.2) from Mattermost's `config.json` become console values.
//! A key set in jirabridge's configuration file or environment wins and is reported, not
//! overwritten; so does one changed in the console since (before the first import, or
//! after the last one), reported as a conflict unless `--overwrite`, as records are. `adminapitoken` is decrypted with the plugin's `encryptionkey` (12-byte nonce
//! then AES-GCM ciphertext of the JSON-quoted token); `encryptionkey` serves only that.
//! `secret` is the webhook secret, imported with the data (`mod`).

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine;
use serde_json::{json, Map, Value};

use super::hashes;
use super::report::{Counts, Decision, Report};
use super::Options;
use crate::config::{value_to_json, Source};
use crate::live_config::{Settings, SettingsError};
use crate::store::{ImportWrites, MasterKey, Store};

/// Plugin setting (lower-cased) → jirabridge key.
const KEYS: &[(&str, &str)] = &[
    ("enablejiraui", "jira.enable_issue_ui"),
    ("rolesallowedtoeditjirasubscriptions", "security.subscription_editors"),
    ("groupsallowedtoeditjirasubscriptions", "security.subscription_editor_jira_groups"),
    ("securitylevelemptyforjirasubscriptions", "security.security_level_empty_for_subscriptions"),
    ("jiraadminadditionalhelptext", "mattermost.additional_help_text"),
    ("hidedecriptioncomment", "mattermost.hide_description_comment"),
    ("enableautocomplete", "mattermost.enable_autocomplete"),
    ("displaysubscriptionnameinnotifications", "mattermost.display_subscription_name"),
    ("adminemail", "jira.admin_email"),
    ("threadedjiracommentsubscriptionduration", "mattermost.threaded_comment_days"),
    ("teamids", "jira.team_ids"),
    ("maxattachmentsize", "jira.max_attachment_size"),
    ("adminapitoken", "jira.admin_api_token"),
];

/// The plugin's value as jirabridge takes it; `None` to leave the key alone.
fn converted(name: &str, value: &Value, plugin: &Map<String, Value>) -> Result<Option<Value>, String> {
    Ok(match name {
        "groupsallowedtoeditjirasubscriptions" => {
            let text = value.as_str().unwrap_or_default();
            Some(json!(text.split(',').map(str::trim).filter(|g| !g.is_empty()).collect::<Vec<_>>()))
        }
        "threadedjiracommentsubscriptionduration" => match value.as_str().map(str::trim) {
            Some("") | None => None,
            Some(days) => Some(json!(days.parse::<u32>().map_err(|_| format!("{days:?} is not a number of days"))?)),
        },
        "adminapitoken" => match value.as_str().filter(|t| !t.is_empty()) {
            Some(sealed) => Some(json!(admin_token(sealed, plugin)?)),
            None => None,
        },
        "rolesallowedtoeditjirasubscriptions" => value.as_str().filter(|v| !v.is_empty()).map(|v| json!(v)),
        _ if value.is_null() => None,
        _ => Some(value.clone()),
    })
}

/// The plugin's `AdminAPIToken`, opened with its `EncryptionKey`.
fn admin_token(sealed: &str, plugin: &Map<String, Value>) -> Result<String, String> {
    let key = plugin.get("encryptionkey").and_then(Value::as_str).unwrap_or_default();
    let cipher = Aes256Gcm::new_from_slice(key.as_bytes())
        .map_err(|_| "the plugin's encryptionkey is not 32 bytes".to_string())?;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let bytes = [URL_SAFE, STANDARD]
        .iter()
        .find_map(|engine| engine.decode(sealed.trim()).ok())
        .ok_or("adminapitoken is not base64")?;
    if bytes.len() < 12 {
        return Err("adminapitoken is too short".into());
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let plain = cipher
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map_err(|_| "adminapitoken does not open with the plugin's encryptionkey")?;
    let quoted = String::from_utf8(plain).map_err(|_| "adminapitoken is not text")?;
    Ok(serde_json::from_str::<String>(&quoted).unwrap_or(quoted))
}

/// Sets the plugin's settings as console values (unless `dry_run`), counting them in
/// `report`; the actor of the audit entries is `plugin import`. What each key was set to is
/// remembered (as a hash), so a later import updates it only while it is still that.
pub fn import(
    store: &Store,
    key: &MasterKey,
    live: &Settings,
    plugin: &Map<String, Value>,
    options: Options,
    report: &mut Report,
) {
    let mut counts = Counts::default();
    let mut changes: Vec<(String, Value)> = Vec::new();
    let values = live.current().values();
    for (name, setting) in KEYS {
        let Some(value) = plugin.get(*name) else { continue };
        let wanted = match converted(name, value, plugin) {
            Ok(Some(wanted)) => wanted,
            Ok(None) => continue,
            Err(why) => {
                report.warnings.push(format!("the plugin's {name} was not imported: {why}"));
                continue;
            }
        };
        let source = live.source(setting);
        if source.pins() {
            report.warnings.push(format!(
                "{setting} is set in jirabridge's {}; the plugin's {name} was not imported",
                source.as_str()
            ));
            continue;
        }
        let current = values.get(*setting).map(value_to_json).unwrap_or(Value::Null);
        let recorded = match store.imported_hash(hashes::SETTING, setting) {
            Ok(recorded) => recorded,
            Err(e) => {
                report.warnings.push(format!("the plugin's {name} was not imported: {e}"));
                continue;
            }
        };
        let as_imported = recorded == Some(hashes::of_setting(setting, &current));
        // A value chosen in the console is the admin's, a return to the default included
        // (the console then drops its value); a default no import ever changed is not.
        let untouched_default = source == Source::Default && recorded.is_none();
        match counts.decide(true, current == wanted, options.overwrite || as_imported || untouched_default) {
            Decision::Write => changes.push((setting.to_string(), wanted)),
            Decision::Conflict => report.conflict(match recorded {
                Some(_) => format!(
                    "{setting} was changed in jirabridge since the last import; the plugin's {name} was not imported"
                ),
                None => format!(
                    "{setting} was set in jirabridge's console before the import; the plugin's {name} was not imported"
                ),
            }),
            Decision::Keep => {}
        }
    }
    // One change of all the settings, as the console saves them: all of them or none.
    if !options.dry_run && !changes.is_empty() {
        let mut applied = live.update(&changes, "plugin import");
        // A value jirabridge refuses (a size it cannot read, say) is left out and named;
        // the others are still imported, as one change.
        if let Err(SettingsError::Invalid(refused)) = &applied {
            for (setting, why) in refused {
                report.warnings.push(format!("the plugin's value for {setting} was not imported: {why}"));
            }
            let before = changes.len();
            changes.retain(|(setting, _)| !refused.contains_key(setting));
            let left_out = before - changes.len();
            (counts.updated, counts.skipped) = (counts.updated.saturating_sub(left_out), counts.skipped + left_out);
            applied = if changes.is_empty() { Ok(Vec::new()) } else { live.update(&changes, "plugin import") };
        }
        let hashes = changes
            .iter()
            .map(|(setting, value)| (hashes::SETTING.to_string(), setting.clone(), hashes::of_setting(setting, value)))
            .collect();
        let remembered = ImportWrites { hashes, ..ImportWrites::default() };
        if let Err(e) = applied {
            report.warnings.push(format!("the plugin's settings were not imported: {e}"));
            counts = Counts::default();
        } else if let Err(e) = store.apply_import(&remembered, key) {
            report.warnings.push(format!(
                "the plugin's settings are in force, but jirabridge could not note them as imported ({e}): \
                 a later import will report them as changed in jirabridge"
            ));
        }
    }
    report.kinds.insert("settings", counts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_token_opens_with_the_plugins_key() {
        let key = "0123456789abcdef0123456789abcdef";
        let cipher = Aes256Gcm::new_from_slice(key.as_bytes()).unwrap();
        let nonce = [7u8; 12];
        let sealed = cipher.encrypt(Nonce::from_slice(&nonce), b"\"jira-admin-token\"".as_ref()).unwrap();
        let text = base64::engine::general_purpose::URL_SAFE.encode([nonce.as_slice(), &sealed].concat());
        let plugin = Map::from_iter([("encryptionkey".to_string(), json!(key))]);
        assert_eq!(admin_token(&text, &plugin).unwrap(), "jira-admin-token");
        let wrong = Map::from_iter([("encryptionkey".to_string(), json!("ffffffffffffffffffffffffffffffff"))]);
        assert!(admin_token(&text, &wrong).is_err());
    }

    #[test]
    fn values_take_jirabridges_shapes() {
        let plugin = Map::new();
        assert_eq!(
            converted("groupsallowedtoeditjirasubscriptions", &json!("a, b,"), &plugin).unwrap(),
            Some(json!(["a", "b"]))
        );
        assert_eq!(
            converted("threadedjiracommentsubscriptionduration", &json!("14"), &plugin).unwrap(),
            Some(json!(14))
        );
        assert_eq!(converted("threadedjiracommentsubscriptionduration", &json!(""), &plugin).unwrap(), None);
        assert!(converted("threadedjiracommentsubscriptionduration", &json!("-1x"), &plugin).is_err());
    }
}
