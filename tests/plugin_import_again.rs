//! Importing the plugin's data again (issue 19 points 5, 7 and 8): a newer export updates
//! what jirabridge left as imported and leaves what was changed since, a dry run writes
//! nothing, and the command line without a server marks subscriptions of gone channels
//! broken as the API does.

use jirabridge::store::secret_names::WEBHOOK_SECRET;
use jirabridge::store::{MasterKey, StoredSecret};
use serde_json::Value;

use crate::plugin_import::{import, import_from, stopped_install};
use crate::support::app::spawn_app;
use crate::support::commands::{config_for, open_store, stderr, stdout};
use crate::support::fixtures::own_dir;

/// Issue 19 point 8: a newer export updates a record still as the last import wrote it; a
/// record changed in jirabridge since is kept and reported, unless `--overwrite`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_export_updates_what_jirabridge_left_as_imported() {
    let (data, work, config) = stopped_install().await;
    import(&config, &[]);
    // Someone edits one subscription in jirabridge…
    let store = open_store(data.path());
    let mut odd = store.subscription("sub-odd").unwrap().unwrap();
    odd.name = "edited in jirabridge".into();
    store.put_subscription(&odd).unwrap();
    // …and regenerates the webhook secret, as the console does.
    let key = MasterKey::load_or_create(data.path()).unwrap();
    let regenerated = StoredSecret { value: "regenerated-in-jirabridge".into(), valid_until_ms: None };
    store.put_secret(WEBHOOK_SECRET, &regenerated, &key).unwrap();
    // …and changes an imported setting in the console.
    let loaded = jirabridge::config::Config::load(Some(&config)).unwrap();
    let live = jirabridge::live_config::Settings::load(loaded, store.clone(), key.clone()).unwrap();
    assert_eq!(live.current().mattermost.threaded_comment_days, 14, "imported");
    assert!(!live.current().jira.enable_issue_ui, "imported");
    // One of them back to its default: the console then keeps no value of its own.
    let edits = [
        ("mattermost.threaded_comment_days".into(), serde_json::json!(3)),
        ("jira.enable_issue_ui".into(), serde_json::json!(true)),
    ];
    live.update(&edits, "admin").unwrap();
    drop((live, store));
    // …and the plugin's newer export renames another.
    let newer = work.path().join("newer.jsonl");
    std::fs::write(&newer, renamed_in_export("ops bugs", "ops bugs and tasks")).unwrap();

    // A dry run says what would happen and writes nothing at all.
    let before = open_store(data.path()).tree_contents().unwrap();
    let dry = import_from(&config, &newer, &["--dry-run"]);
    assert_eq!(dry["kinds"]["subscriptions"]["updated"].as_u64(), Some(1), "{dry}");
    assert!(open_store(data.path()).tree_contents().unwrap() == before, "the store is as it was");

    let report = import_from(&config, &newer, &[]);
    let subscriptions = &report["kinds"]["subscriptions"];
    assert_eq!(
        (subscriptions["updated"].as_u64(), subscriptions["conflicts"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    assert!(report["conflicts"].to_string().contains("sub-odd"), "{report}");
    let store = open_store(data.path());
    assert_eq!(store.subscription("sub-ops").unwrap().unwrap().name, "ops bugs and tasks");
    assert_eq!(store.subscription("sub-odd").unwrap().unwrap().name, "edited in jirabridge", "kept");
    assert_eq!(report["kinds"]["webhook_secret"]["conflicts"].as_u64(), Some(1), "{report}");
    assert!(report["conflicts"].to_string().contains("webhook secret was regenerated"), "{report}");
    let steps = report["next_steps"].to_string();
    assert!(steps.contains("regenerated since the last import and is kept"), "no advice to undo it: {steps}");
    assert!(!steps.contains("import again with --mattermost-config"), "{steps}");
    assert_eq!(store.secret(WEBHOOK_SECRET, &key).unwrap().unwrap().value, "regenerated-in-jirabridge", "kept");
    let settings = &report["kinds"]["settings"];
    assert_eq!((settings["conflicts"].as_u64(), settings["updated"].as_u64()), (Some(2), Some(0)), "{report}");
    assert!(report["conflicts"].to_string().contains("mattermost.threaded_comment_days was changed"), "{report}");
    assert!(report["conflicts"].to_string().contains("jira.enable_issue_ui was changed"), "{report}");
    let kept = console_value(&config, &store, &key);
    assert_eq!((kept.mattermost.threaded_comment_days, kept.jira.enable_issue_ui), (3, true), "kept");
    drop(store);

    let forced = import_from(&config, &newer, &["--overwrite"]);
    assert_eq!(forced["kinds"]["subscriptions"]["conflicts"].as_u64(), Some(0), "{forced}");
    assert_ne!(open_store(data.path()).subscription("sub-odd").unwrap().unwrap().name, "edited in jirabridge");
    assert_ne!(
        open_store(data.path()).secret(WEBHOOK_SECRET, &key).unwrap().unwrap().value,
        "regenerated-in-jirabridge"
    );
    let store = open_store(data.path());
    let overwritten = console_value(&config, &store, &key);
    assert_eq!((overwritten.mattermost.threaded_comment_days, overwritten.jira.enable_issue_ui), (14, false));
}

/// The settings in force with the console's values, as `serve` would start with them.
fn console_value(
    config: &std::path::Path,
    store: &jirabridge::store::Store,
    key: &MasterKey,
) -> std::sync::Arc<jirabridge::config::Config> {
    let loaded = jirabridge::config::Config::load(Some(config)).unwrap();
    jirabridge::live_config::Settings::load(loaded, store.clone(), key.clone()).unwrap().current()
}

/// Our export with a subscription's name changed, re-encoded as the plugin's SQL writes it.
fn renamed_in_export(from: &str, to: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let text = std::fs::read_to_string(own_dir().join("plugin-kv/export.jsonl")).unwrap();
    let needle = format!("\"name\": \"{from}\"");
    text.lines()
        .map(|line| {
            let Ok(mut row) = serde_json::from_str::<Value>(line) else { return line.to_string() };
            let Some(encoded) = row["value_b64"].as_str().map(|v| v.replace('\n', "")) else { return line.to_string() };
            let Ok(bytes) = engine.decode(&encoded) else { return line.to_string() };
            let value = String::from_utf8_lossy(&bytes).into_owned();
            if !value.contains(&needle) {
                return line.to_string();
            }
            row["value_b64"] = Value::String(engine.encode(value.replace(&needle, &format!("\"name\": \"{to}\""))));
            row.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Without a running server the command line asks Mattermost itself, when it is configured:
/// subscriptions whose channel is gone are imported broken, as the API's import does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_import_marks_subscriptions_of_missing_channels_broken() {
    let app = spawn_app().await;
    let data = app.stop_keeping_data().await;
    drop(open_store(data.path()));
    let mm = crate::support::fake_mattermost::FakeMattermost::start().await;
    let work = tempfile::tempdir().unwrap();
    let config = config_for(work.path(), data.path());
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[mattermost]\nurl = \"{}\"\nbot_token = \"{}\"\n",
        mm.url(),
        crate::support::fake_mattermost::BOT_TOKEN
    ));
    std::fs::write(&config, text).unwrap();
    let kv = own_dir().join("plugin-kv/export.jsonl");
    let mm_config = own_dir().join("plugin-kv/config.json");
    let args =
        ["import-plugin", "--kv", kv.to_str().unwrap(), "--mattermost-config", mm_config.to_str().unwrap(), "--json"];
    let out = crate::support::commands::jirabridge_async(&config, &args, "").await;
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        report["warnings"].to_string().contains("Mattermost has no channel feedchannel000000000000000"),
        "{report}"
    );
    let ops = open_store(data.path()).subscription("sub-ops").unwrap().unwrap();
    assert_eq!((ops.state.as_str(), ops.broken_reason.as_deref()), ("broken", Some("channel not found")));
}

/// One plugin setting jirabridge cannot take (a size it cannot read) is named and left
/// out; the others are imported all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_jirabridge_refuses_is_left_out_and_the_others_imported() {
    let (data, work, config) = stopped_install().await;
    let mut mm: Value =
        serde_json::from_slice(&std::fs::read(own_dir().join("plugin-kv/config.json")).unwrap()).unwrap();
    mm["PluginSettings"]["Plugins"]["jira"]["MaxAttachmentSize"] = "lots".into();
    let mm_config = work.path().join("config.json");
    std::fs::write(&mm_config, mm.to_string()).unwrap();
    let kv = own_dir().join("plugin-kv/export.jsonl");
    let args =
        ["import-plugin", "--kv", kv.to_str().unwrap(), "--mattermost-config", mm_config.to_str().unwrap(), "--json"];
    let out = crate::support::commands::jirabridge(&config, &args, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("the plugin's value for jira.max_attachment_size was not imported"), "{warnings}");
    assert_eq!(report["kinds"]["settings"]["skipped"], 1, "{report}");
    let store = open_store(data.path());
    let key = MasterKey::load_or_create(data.path()).unwrap();
    let imported = console_value(&config, &store, &key);
    assert_eq!(imported.jira.admin_email, "jira-admin@example.com", "the others are imported");
    assert_eq!(imported.mattermost.threaded_comment_days, 14);
}
