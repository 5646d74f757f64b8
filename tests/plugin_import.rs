//! Migration from the Mattermost Jira plugin (SPEC §13, issue 19) with our own export in
//! `tests/fixtures/plugin-kv/` (Go's field names, every instance type, OAuth 1.0a and 2.0
//! connections, a 1024-bit RSA key, subscriptions and a template, transient and leftover
//! keys): a dry run writes nothing, the import carries everything that still means
//! something, the report accounts for every row, and the same file again changes nothing.

use serde_json::Value;

use jirabridge::store::secret_names::WEBHOOK_SECRET;
use jirabridge::store::{ConnectionAuth, MasterKey};

use crate::support::app::spawn_app;
use crate::support::commands::{config_for, jirabridge, open_store, stderr, stdout};
use crate::support::fixtures::own_dir;

const SERVER: &str = "https://jira.example.com";
const ACME: &str = "https://acme.atlassian.net";
const ADA: &str = "adauser0000000000000000000";

pub(crate) fn import(config: &std::path::Path, extra: &[&str]) -> Value {
    import_from(config, &own_dir().join("plugin-kv/export.jsonl"), extra)
}

/// [`import`] of the export `kv` (with our `config.json`).
pub(crate) fn import_from(config: &std::path::Path, kv: &std::path::Path, extra: &[&str]) -> Value {
    let mm = own_dir().join("plugin-kv/config.json");
    let mut args =
        vec!["import-plugin", "--kv", kv.to_str().unwrap(), "--mattermost-config", mm.to_str().unwrap(), "--json"];
    args.extend(extra);
    let out = jirabridge(config, &args, "");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

fn counts(report: &Value, kind: &str) -> (u64, u64, u64) {
    let c = &report["kinds"][kind];
    (c["created"].as_u64().unwrap(), c["unchanged"].as_u64().unwrap(), c["conflicts"].as_u64().unwrap())
}

/// A stopped jirabridge's data directory with its store made, a work directory, and a
/// configuration file for the command line that points at both.
pub(crate) async fn stopped_install() -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let app = spawn_app().await;
    let data = app.stop_keeping_data().await;
    drop(open_store(data.path()));
    let work = tempfile::tempdir().unwrap();
    let config = config_for(work.path(), data.path());
    (data, work, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugins_export_is_dry_run_imported_and_imported_again_unchanged() {
    let (data, _work, config) = stopped_install().await;

    let dry = import(&config, &["--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(counts(&dry, "instances"), (3, 0, 0));
    assert!(open_store(data.path()).instances().unwrap().is_empty(), "a dry run writes nothing");

    let done = import(&config, &[]);
    assert_eq!(counts(&done, "instances"), (3, 0, 0));
    assert_eq!(counts(&done, "subscriptions"), (2, 0, 0));
    assert_eq!(counts(&done, "templates"), (1, 0, 0));
    assert_eq!(counts(&done, "connections"), (2, 0, 0), "ada's two; bob's Connect one cannot be used");
    assert_eq!(counts(&done, "rsa_key"), (1, 0, 0));
    let secret = &done["kinds"]["webhook_secret"];
    assert_eq!(secret["created"].as_u64().unwrap() + secret["updated"].as_u64().unwrap(), 1, "{secret}");
    let skipped: Vec<&str> = done["skipped"].as_array().unwrap().iter().map(|s| s["key"].as_str().unwrap()).collect();
    for key in ["token_secret", "ots_abcdef", "foo"] {
        assert!(skipped.contains(&key), "{key} in {skipped:?}");
    }
    assert_eq!(skipped.len(), 6, "transient, Connect, reverse index and unknown keys: {skipped:?}");
    assert_eq!(done["kinds"]["connections"]["skipped"], 1, "bob's Connect connection");
    assert_eq!(done["kinds"]["instances"]["skipped"], 0);
    assert_eq!(counts(&done, "root_posts"), (1, 0, 0), "the live comment thread, on the v2-legacy instance");
    let warnings = done["warnings"].to_string();
    assert!(warnings.contains("1024 bits"), "{warnings}");
    assert!(warnings.contains("users of https://old.atlassian.net must reconnect"), "{warnings}");
    assert!(warnings.contains("subscription sub-odd (everything) was imported as it was"), "{warnings}");
    assert!(!done.to_string().contains("ada-oauth1-token") && !done.to_string().contains("acme-client-secret"));

    let store = open_store(data.path());
    let key = MasterKey::load_or_create(data.path()).unwrap();
    let corp = store.instance(SERVER).unwrap().unwrap();
    assert_eq!((corp.alias.as_deref(), corp.is_v2_legacy, corp.is_default), (Some("corp"), true, true));
    let acme = jirabridge::instances::oauth::load(&store, &key, ACME).unwrap();
    assert_eq!(acme.oauth2_client(), Some(("acme-client", "acme-client-secret")));
    assert_eq!(acme.cloud_id.as_deref(), Some("cloud-acme-1"));
    let server_auth = jirabridge::instances::oauth::load(&store, &key, SERVER).unwrap();
    assert_eq!(server_auth.oauth1_consumer_key.as_deref(), Some("mattermost_jira_example"));
    assert_eq!(jirabridge::instances::oauth::rsa_key(&store, &key).unwrap().bits(), 1024, "the plugin's key, kept");
    let ada = store.connection(SERVER, ADA, &key).unwrap().expect("ada's server connection");
    assert_eq!(
        ada.auth,
        ConnectionAuth::OAuth1 { token: "ada-oauth1-token".into(), secret: "ada-oauth1-secret".into() }
    );
    assert_eq!((ada.settings.assignee, ada.settings.reporter), (true, false), "a missing role is off");
    assert_eq!(ada.saved_project_key.as_deref(), Some("OPS"));
    assert_eq!(store.mattermost_user(ADA).unwrap().unwrap().default_instance_id.as_deref(), Some(ACME));
    let ops = store.subscription("sub-ops").unwrap().unwrap();
    assert_eq!(ops.instance_id.as_str(), SERVER, "the record's instance wins, as in the plugin");
    assert_eq!(store.secret(WEBHOOK_SECRET, &key).unwrap().unwrap().value, "plugin-webhook-secret-0123456789");
    let values: std::collections::HashMap<String, String> =
        store.setting_values().unwrap().into_iter().map(|(k, r)| (k, r.value_json)).collect();
    assert_eq!(values.get("jira.enable_issue_ui").map(String::as_str), Some("false"), "{values:?}");
    assert_eq!(values.get("mattermost.threaded_comment_days").map(String::as_str), Some("14"));
    assert_eq!(
        values.get("security.subscription_editor_jira_groups").map(String::as_str),
        Some(r#"["jira-admins","devops"]"#)
    );
    let stored = store.secret("setting:jira.admin_api_token", &key).unwrap().expect("the admin token, sealed");
    let admin_token: String = serde_json::from_str(&stored.value).unwrap();
    assert_eq!(admin_token, "imported-admin-api-token", "decrypted with the plugin's key");
    let channel = jirabridge::ids::ChannelId::unchecked("feedchannel000000000000000");
    let root = store.live_root(SERVER, "10001", &channel, jirabridge::utc::now_ms()).unwrap();
    assert_eq!(root.as_deref(), Some("rootpost000000000000000000"));
    drop(store);

    let again = import(&config, &[]);
    for kind in ["instances", "subscriptions", "templates", "connections", "rsa_key", "root_posts"] {
        let (created, _, conflicts) = counts(&again, kind);
        assert_eq!((created, conflicts), (0, 0), "{kind}: {again}");
    }
    assert_eq!(counts(&again, "instances").1, 3);
    assert_eq!(counts(&again, "webhook_secret").1, 1);
}

#[test]
fn a_bad_line_is_named_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    drop(open_store(&data));
    let config = config_for(work.path(), &data);
    let kv = work.path().join("bad.jsonl");
    std::fs::write(
        &kv,
        "{\"key\":\"instances/v3\",\"value_b64\":\"W10=\",\"expire_at\":0}\n{\"key\":\"x\",\"value_b64\":\"@@\"}\n",
    )
    .unwrap();
    let out = jirabridge(&config, &["import-plugin", "--kv", kv.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2: value_b64 is not base64"), "{}", stderr(&out));
    assert!(open_store(&data).instances().unwrap().is_empty());
}

/// A migration may come before the first start: the package made the data directory, and
/// no store is in it yet. A dry run reports and still leaves it empty; the import makes it.
#[test]
fn a_fresh_install_is_imported_before_its_first_start() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let config = config_for(work.path(), &data);
    let dry = import(&config, &["--dry-run"]);
    assert_eq!(counts(&dry, "instances"), (3, 0, 0));
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0, "a dry run leaves the directory empty");
    let done = import(&config, &[]);
    assert_eq!(counts(&done, "instances"), (3, 0, 0));
    let store = open_store(&data);
    assert_eq!(store.instances().unwrap().len(), 3);
    let key = MasterKey::load_or_create(&data).unwrap();
    assert!(store.secret(WEBHOOK_SECRET, &key).unwrap().is_some(), "the plugin's webhook secret");
}

/// The admin API takes the same files as multipart parts, and an applied import takes effect
/// in the running process at once (issue 19 point 3).
#[tokio::test]
async fn the_api_imports_into_the_running_jirabridge() {
    let app = spawn_app().await;
    let dir = own_dir().join("plugin-kv");
    let part = |name: &str| {
        reqwest::multipart::Part::bytes(std::fs::read(dir.join(name)).unwrap()).file_name(name.to_string())
    };
    let form = || {
        reqwest::multipart::Form::new().part("kv", part("export.jsonl")).part("mattermost_config", part("config.json"))
    };
    let dry = app.api(reqwest::Method::POST, "/import/plugin?dry_run=true").multipart(form()).send().await.unwrap();
    assert_eq!(dry.status(), 200);
    assert!(app.state.store.instances().unwrap().is_empty(), "a dry run writes nothing");

    // All or nothing: a failure halfway (after instances and secrets) leaves no trace.
    let faults = app.state.store.faults();
    faults.fail_import_midway.store(true, std::sync::atomic::Ordering::SeqCst);
    let failed = app.api(reqwest::Method::POST, "/import/plugin").multipart(form()).send().await.unwrap();
    assert!(failed.status().is_server_error(), "{}", failed.status());
    faults.clear();
    assert!(app.state.store.instances().unwrap().is_empty(), "no instance of the failed import");
    assert!(app.state.store.subscriptions().unwrap().is_empty());
    assert!(app.state.store.connection_keys().unwrap().is_empty());

    let done = app.api(reqwest::Method::POST, "/import/plugin").multipart(form()).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let report: Value = done.json().await.unwrap();
    assert_eq!(counts(&report, "subscriptions"), (2, 0, 0));
    assert!(report["warnings"].to_string().contains("webhook.secret is set in the configuration file"), "{report}");
    assert!(app.state.jira_ops.is_connected(ADA, Some(SERVER)), "the connected users are read again");
    assert!(app.state.subscriptions.read().unwrap().len() >= 2, "the subscription index is read again");
    let ops = app.state.store.subscription("sub-ops").unwrap().unwrap();
    assert_eq!(
        (ops.state.as_str(), ops.broken_reason.as_deref()),
        ("broken", Some("channel not found")),
        "Mattermost has no such channel"
    );
    let audit = app.state.store.audit_entries(0, 5).unwrap();
    assert!(audit.iter().any(|a| a.action == "import.plugin"));

    let bad = reqwest::multipart::Form::new()
        .part("kv", reqwest::multipart::Part::bytes(b"{\"key\":\"a\",\"value_b64\":\"e30=\"}\nnot json\n".to_vec()));
    let refused = app.api(reqwest::Method::POST, "/import/plugin").multipart(bad).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(body["error"]["fields"]["kv[2]"].as_str().unwrap().starts_with("not a JSON object"), "{body}");
    app.shutdown().await;
}

/// An export row, as the plugin's SQL writes it.
fn row(key: &str, value: &Value) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(value.to_string());
    serde_json::json!({"key": key, "value_b64": encoded, "expire_at": 0}).to_string()
}

fn md5hex(text: &str) -> String {
    jirabridge::plugin_import::plan::md5hex(text)
}

/// After an import, the connections work (issue 19 point 10): Data Center calls are signed
/// with the plugin's RSA key and consumer key, which the Jira's application link already
/// trusts, and an imported Cloud refresh token refreshes.
#[tokio::test]
async fn imported_connections_act_in_jira() {
    use crate::support::fake_jira::FakeJira;
    let (dc, cloud) = (FakeJira::start().await, FakeJira::start_cloud().await);
    let host = "imported.atlassian.net";
    jirabridge::jira::client::test_hosts::resolve(host, "127.0.0.1:0".parse().unwrap());
    let site = format!("http://{host}:{}", cloud.url.rsplit(':').next().unwrap());
    for jira in [&dc, &cloud] {
        jira.add_issue("DEMO-1", serde_json::json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    }
    dc.add_oauth1_user("plugin-issued-token", "ada", "Ada Lovelace");
    cloud.register_oauth2_app("plugin-client", "plugin-secret", "cloud-9", &site);
    cloud.add_oauth2_grant("plugin-refresh", "557058:ada", "Ada Lovelace");
    let fake = cloud.url.clone();
    let app = crate::support::app::spawn_app_with(move |c| {
        c.mattermost.command_tokens = vec![jirabridge::config::Secret::new("cmdtoken0000000000000000ii".into())];
        c.jira.atlassian_auth_url = fake.clone();
        c.jira.atlassian_api_url = fake;
    })
    .await;
    let ada = app.mm.add_user("ada", "system_user");
    let rsa = std::fs::read_to_string(own_dir().join("plugin-kv/export.jsonl")).unwrap();
    let rsa_line = rsa.lines().find(|l| l.contains("\"rsa_key\"")).unwrap().to_string();
    let instances =
        serde_json::json!([{"InstanceID": dc.url, "Type": "server"}, {"InstanceID": site, "Type": "cloud-oauth"}]);
    let lines = [
        row("instances/v3", &instances),
        row(
            &format!("jira_instance_{}", md5hex(&dc.url)),
            &serde_json::json!({"Type": "server", "MattermostKey": "plugin-consumer"}),
        ),
        row(
            &format!("jira_instance_{}", md5hex(&site)),
            &serde_json::json!({"Type": "cloud-oauth",
            "JiraClientID": "plugin-client", "JiraClientSecret": "plugin-secret", "JiraResourceID": "cloud-9"}),
        ),
        rsa_line,
        row(
            &format!("user_{}", md5hex(&ada)),
            &serde_json::json!({"mattermost_user_id": ada, "default_instance_id": dc.url}),
        ),
        row(
            &md5hex(&format!("{}/{ada}", dc.url)),
            &serde_json::json!({"name": "ada", "displayName": "Ada Lovelace",
            "Oauth1AccessToken": "plugin-issued-token", "Oauth1AccessSecret": "s", "Settings": {"notifications": true}}),
        ),
        row(
            &md5hex(&format!("{site}/{ada}")),
            &serde_json::json!({"accountId": "557058:ada", "displayName": "Ada Lovelace",
            "OAuth2Token": {"access_token": "old", "refresh_token": "plugin-refresh", "expiry": "2026-01-01T00:00:00Z"}}),
        ),
    ];
    let form =
        reqwest::multipart::Form::new().part("kv", reqwest::multipart::Part::bytes(lines.join("\n").into_bytes()));
    let done = app.api(reqwest::Method::POST, "/import/plugin").multipart(form).send().await.unwrap();
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());

    // The Jira admin made the application link for the plugin: its key, its consumer key.
    let reference = jirabridge::jira::instance::encode_id(&dc.url);
    let shown: Value =
        app.api(reqwest::Method::GET, &format!("/instances/{reference}")).send().await.unwrap().json().await.unwrap();
    dc.trust_consumer("plugin-consumer", shown["oauth1_public_key"].as_str().unwrap());
    let view = |instance: String| {
        let line = format!("/jira view DEMO-1 --instance {instance}");
        let app = &app;
        let ada = ada.clone();
        async move { app.slash(&ada, "cmdtoken0000000000000000ii", &line).await }
    };
    let signed = view(dc.url.clone()).await;
    assert!(signed.body["attachments"][0]["text"].as_str().is_some_and(|t| t.contains("DEMO-1")), "{}", signed.body);
    let refreshed = view(site.clone()).await;
    assert!(
        refreshed.body["attachments"][0]["text"].as_str().is_some_and(|t| t.contains("DEMO-1")),
        "{}",
        refreshed.body
    );
    assert_eq!(cloud.refresh_count(), 1, "the imported refresh token was used once and rotated");
    app.shutdown().await;
}

/// While `serve` runs, `import-plugin` goes through its control socket and the server's
/// memory sees the import at once (issue 19 point 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_imports_through_the_running_server() {
    let app = spawn_app().await;
    let work = tempfile::tempdir().unwrap();
    let config = config_for(work.path(), app.data_dir.path());
    let dir = own_dir().join("plugin-kv");
    let kv = dir.join("export.jsonl");
    let args = ["import-plugin", "--kv", kv.to_str().unwrap(), "--json"];
    let out = crate::support::commands::jirabridge_async(&config, &args, "").await;
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    assert_eq!(counts(&report, "connections"), (2, 0, 0));
    // Without config.json the plugin's secret stays behind: the report says so, and that
    // Jira's webhooks need more than a new host.
    let warned = report["warnings"].to_string();
    assert!(warned.contains("no Mattermost config.json was given"), "{warned}");
    let first_step = report["next_steps"][0].as_str().unwrap();
    assert!(
        first_step.starts_with("Jira's webhooks carry the plugin's secret, which was not imported"),
        "{first_step}"
    );
    assert!(app.state.jira_ops.is_connected(ADA, Some(SERVER)), "the running server sees the import");
    let audit = app.state.store.audit_entries(0, 5).unwrap();
    assert!(audit.iter().any(|a| a.action == "import.plugin" && a.actor == "cli"));
    let text = crate::support::commands::jirabridge_async(
        &config,
        &["import-plugin", "--kv", kv.to_str().unwrap(), "--dry-run"],
        "",
    )
    .await;
    assert!(stdout(&text).starts_with("Dry run: nothing was written."), "{}", stdout(&text));
    app.shutdown().await;
}
