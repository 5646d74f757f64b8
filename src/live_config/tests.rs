//! Settings stories: console values survive a restart, pinned keys stay pinned, a stored
//! value that no longer validates is skipped, listeners hear about changes.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::store::records::SettingRecordV1;

fn open(dir: &Path, env: &[(&str, &str)]) -> Settings {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    let base = Config::from_sources(None, env).unwrap();
    let store = Store::open(dir, &Default::default()).unwrap();
    let key = MasterKey::load_or_create(dir).unwrap();
    Settings::load(base, store, key).unwrap()
}

/// The settings as the next start reads them from the same store. (Reopening the
/// database itself would wait for its flusher to let go of the lock.)
fn restart(settings: Settings) -> Settings {
    let inner = &settings.inner;
    Settings::load(inner.base.read().unwrap().clone(), inner.store.clone(), inner.key.clone()).unwrap()
}

#[test]
fn console_values_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let settings = open(dir.path(), &[]);
    let changes = [("log.level".to_string(), json!("debug")), ("mattermost.bot_token".to_string(), json!("tok"))];
    settings.update(&changes, "api").unwrap();
    let again = restart(settings);
    assert_eq!(again.current().log.level, "debug");
    assert_eq!(again.current().mattermost.bot_token.expose(), "tok");
    assert_eq!(again.source("log.level"), Source::Console);
}

#[test]
fn the_environment_pins_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let settings = open(dir.path(), &[("JIRABRIDGE_LOG__LEVEL", "warn")]);
    let refused = settings.update(&[("log.level".into(), json!("debug"))], "api").unwrap_err();
    assert_eq!(refused.to_string(), "log.level: set in env; change it there");
    assert_eq!(settings.current().log.level, "warn");
}

#[test]
fn a_stored_value_that_no_longer_validates_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let settings = open(dir.path(), &[]);
    let bad = SettingRecordV1 { value_json: "\"loud\"".into(), set_at_ms: 0, set_by: "api".into() };
    let good = SettingRecordV1 { value_json: "7".into(), set_at_ms: 0, set_by: "api".into() };
    let values = [("log.level".to_string(), bad), ("store.event_retention_days".to_string(), good)];
    settings.inner.store.put_setting_values(&values, &[]).unwrap();
    let again = restart(settings);
    assert_eq!(again.current().log.level, "info");
    assert_eq!(again.current().store.event_retention_days, 7);
}

#[test]
fn listeners_hear_each_change_and_a_refused_change_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let settings = open(dir.path(), &[]);
    let heard = Arc::new(AtomicUsize::new(0));
    let counter = heard.clone();
    settings.on_change(move |before, after| {
        assert_ne!(before.mattermost.channel_cache_secs, after.mattermost.channel_cache_secs);
        counter.fetch_add(1, Ordering::SeqCst);
    });
    settings.update(&[("mattermost.channel_cache_secs".into(), json!(5))], "api").unwrap();
    let both = [("mattermost.channel_cache_secs".to_string(), json!(9)), ("log.level".to_string(), json!("loud"))];
    assert!(matches!(settings.update(&both, "api"), Err(SettingsError::Invalid(_))));
    assert_eq!(heard.load(Ordering::SeqCst), 1);
    assert_eq!(settings.current().mattermost.channel_cache_secs, 5);
}

#[test]
fn a_reloaded_file_pins_and_releases_keys_over_the_console_values() {
    let dir = tempfile::tempdir().unwrap();
    let settings = open(dir.path(), &[]);
    settings.update(&[("log.level".to_string(), json!("debug"))], "api").unwrap();
    let heard = Arc::new(AtomicUsize::new(0));
    let counter = heard.clone();
    settings.on_change(move |_, _| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let file = |text: &str| Config::from_sources(Some((Path::new("/etc/jirabridge/config.toml"), text)), Vec::new());

    let pinned = settings.reload(file("[log]\nlevel = \"warn\"\n").unwrap()).unwrap();
    assert!(matches!(pinned, ReloadOutcome::Applied { ref waiting_for_restart } if waiting_for_restart.is_empty()));
    assert_eq!(settings.current().log.level, "warn");
    assert_eq!(settings.source("log.level"), Source::File);
    assert_eq!(heard.load(Ordering::SeqCst), 1, "listeners hear a reload");

    settings.reload(file("").unwrap()).unwrap();
    assert_eq!(settings.current().log.level, "debug", "the console value, still stored, is back");
    assert_eq!(settings.source("log.level"), Source::Console);
}
