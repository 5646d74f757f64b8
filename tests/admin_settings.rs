//! Settings through the admin API (SPEC §2.1, §2.2): shown with their source, changed
//! while running, refused when pinned, start-up only or invalid; secrets never shown.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use jirabridge::config::Secret;

use crate::support::app::{spawn_app, spawn_app_with, TestApp};
use crate::support::fake_mattermost::BOT_TOKEN;
use crate::support::fixtures::own;

async fn body(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn patch(app: &TestApp, changes: Value) -> (StatusCode, Value) {
    body(app.api(Method::PATCH, "/settings").json(&changes).send().await.unwrap()).await
}

fn entry<'a>(list: &'a Value, key: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|e| e["key"] == key).unwrap_or_else(|| panic!("{key} not listed"))
}

#[tokio::test]
async fn every_setting_is_listed_with_its_source_and_secrets_hidden() {
    let app = spawn_app().await;
    let (status, list) = body(app.api(Method::GET, "/settings").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.as_array().unwrap().len() > 50, "{list}");
    let level = entry(&list, "log.level");
    assert_eq!(
        (&level["value"], &level["default"], &level["source"]),
        (&json!("info"), &json!("info"), &json!("default"))
    );
    assert_eq!(level["editable"], true);
    let threads = entry(&list, "mattermost.threaded_comment_days");
    assert_eq!(threads["plugin_name"], "ThreadedJiraCommentSubscriptionDuration");
    let url = entry(&list, "mattermost.url");
    assert_eq!((&url["source"], &url["editable"]), (&json!("file"), &json!(false)), "the test config sets it");
    let token = entry(&list, "mattermost.bot_token");
    assert_eq!((&token["value"], &token["secret"], &token["set"]), (&Value::Null, &json!(true), &json!(true)));
    let jira_token = entry(&list, "jira.admin_api_token");
    assert_eq!(jira_token["set"], false);
    assert_eq!(entry(&list, "store.path")["startup_only"], true);
    assert!(!list.to_string().contains(BOT_TOKEN), "a secret leaked");
}

#[tokio::test]
async fn a_change_applies_at_once_and_is_audited() {
    let app = spawn_app().await;
    let event = own("cloud-issue-created.json");
    assert_eq!(app.post_legacy(event.clone()).await.status(), StatusCode::OK);
    assert_eq!(app.post_legacy(event.clone()).await.status(), StatusCode::OK);
    assert_eq!(app.state.store.event_count(), 1, "the repeat is a duplicate within the window");

    let (status, list) = patch(&app, json!({"webhook.dedup_window_secs": 0, "webhook.max_body_bytes": 2048})).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let window = entry(&list, "webhook.dedup_window_secs");
    assert_eq!((&window["value"], &window["source"]), (&json!(0), &json!("console")));
    assert_eq!(app.post_legacy(event.clone()).await.status(), StatusCode::OK);
    assert_eq!(app.state.store.event_count(), 2, "no dedup window any more");
    let big = format!("{{\"padding\":\"{}\"}}", "x".repeat(3000));
    assert_eq!(app.post_legacy(big).await.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let audit = app.state.store.audit_entries(0, 1).unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].actor.as_str()), ("settings.update", "api"));
    assert_eq!(audit[0].target, "webhook.dedup_window_secs,webhook.max_body_bytes");

    let (_, list) = patch(&app, json!({"webhook.dedup_window_secs": null})).await;
    let window = entry(&list, "webhook.dedup_window_secs");
    assert_eq!((&window["value"], &window["source"]), (&json!(600), &json!("default")), "null restores the default");
}

#[tokio::test]
async fn pinned_startup_unknown_and_invalid_keys_are_refused() {
    let app = spawn_app().await;
    let (status, error) = patch(&app, json!({"mattermost.url": "https://other.example.com"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["error"]["code"], "conflict");
    assert!(error["error"]["message"].as_str().unwrap().contains("set in file"), "{error}");

    let changes = json!({
        "server.listen": "0.0.0.0:1",
        "log.levle": "debug",
        "log.format": "json",
        "mattermost.ephemeral_via_api": "sometimes",
        "webhook.max_body_bytes": 10,
        "admin.allow_from": ["10.0.0.0/33"],
    });
    let (status, error) = patch(&app, changes).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let fields = &error["error"]["fields"];
    let has = |key: &str, text: &str| fields[key].as_str().is_some_and(|m| m.contains(text));
    assert!(has("server.listen", "start-up only; edit the config file and restart"), "{fields}");
    assert!(has("log.format", "start-up only"), "{fields}");
    assert!(has("log.levle", "did you mean \"log.level\""), "{fields}");
    let (status, error) =
        patch(&app, json!({"mattermost.ephemeral_via_api": "sometimes", "webhook.max_body_bytes": 10})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields = &error["error"]["fields"];
    assert!(fields["mattermost.ephemeral_via_api"].as_str().unwrap().contains(r#""auto", "always" or "never""#));
    assert!(fields["webhook.max_body_bytes"].as_str().unwrap().contains("at least 1024"), "{fields}");
    let (status, _) = patch(&app, json!({"admin.allow_from": ["10.0.0.0/33"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(app.state.store.audit_entries(0, 10).unwrap().is_empty(), "nothing changed");
}

#[tokio::test]
async fn secret_settings_are_stored_encrypted_and_never_shown() {
    let app = spawn_app().await;
    let (status, list) = patch(&app, json!({"jira.admin_api_token": "jira-token-very-secret"})).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let token = entry(&list, "jira.admin_api_token");
    assert_eq!((&token["value"], &token["set"], &token["source"]), (&Value::Null, &json!(true), &json!("console")));
    assert_eq!(app.state.config().jira.admin_api_token.expose(), "jira-token-very-secret");
    assert!(app.state.store.setting_values().unwrap().is_empty(), "secrets stay out of setting_value");
    let audit = &app.state.store.audit_entries(0, 1).unwrap()[0];
    assert_eq!(audit.after.as_deref(), Some(r#"{"jira.admin_api_token":"***"}"#));
    let (_, list) = body(app.api(Method::GET, "/settings").send().await.unwrap()).await;
    assert!(!list.to_string().contains("jira-token-very-secret"));
}

#[tokio::test]
async fn mattermost_is_connected_from_the_console_without_a_restart() {
    let app = spawn_app_with(|c| {
        c.mattermost.url = String::new();
        c.mattermost.bot_token = Secret::default();
    })
    .await;
    let (_, status) = body(app.api(Method::GET, "/status").send().await.unwrap()).await;
    assert_eq!(status["mattermost"], "not_configured");
    assert_eq!(app.post_legacy(own("cloud-issue-created.json")).await.status(), StatusCode::OK);

    let (code, _) = patch(&app, json!({"mattermost.url": app.mm.url(), "mattermost.bot_token": BOT_TOKEN})).await;
    assert_eq!(code, StatusCode::OK);
    let (_, status) = body(app.api(Method::GET, "/status").send().await.unwrap()).await;
    assert_eq!(status["mattermost"], "ok", "the client and the readiness cache follow the change");
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1, "the waiting post went out");
}
