//! Operations endpoints an admin or a monitor uses (SPEC §3.6).

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::{spawn_app, spawn_app_with};
use crate::support::fixtures::own;

#[tokio::test]
async fn healthz_says_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_reports_store_and_mattermost() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"store": "ok", "mattermost": "ok"}));
}

#[tokio::test]
async fn readyz_is_503_when_mattermost_is_not_configured_or_down() {
    let app = spawn_app_with(|c| c.mattermost.bot_token = jirabridge::config::Secret::new(String::new())).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json::<Value>().await.unwrap()["mattermost"], "not_configured");

    let down = spawn_app().await;
    down.mm.stop().await;
    let body: Value = down.get("/readyz").await.json().await.unwrap();
    assert_eq!(body["mattermost"], "unreachable");
}

#[tokio::test]
async fn readyz_reports_a_wrong_bot_token() {
    let app = spawn_app_with(|c| c.mattermost.bot_token = jirabridge::config::Secret::new("wrong-token".into())).await;
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(body["mattermost"], "unauthorized");
}

#[tokio::test]
async fn metrics_count_webhooks_deliveries_and_queue_depth() {
    let app = spawn_app().await;
    app.post_legacy(own("cloud-issue-created.json")).await;
    let before = app.get("/metrics").await.text().await.unwrap();
    assert!(before.contains(r#"jirabridge_webhooks_total{kind="legacy",result="accepted"} 1"#), "{before}");
    assert!(before.contains(r#"jirabridge_events_total{event="event_created"} 1"#), "{before}");
    assert!(before.contains(r#"jirabridge_outbox_depth{state="pending"} 1"#), "{before}");
    app.deliver().await;
    let after = app.get("/metrics").await.text().await.unwrap();
    assert!(after.contains(r#"jirabridge_deliveries_total{outcome="done"} 1"#), "{after}");
    assert!(after.contains(r#"jirabridge_outbox_depth{state="pending"} 0"#), "{after}");
    assert!(after.contains("jirabridge_delivery_latency_seconds_count 1"), "{after}");
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = spawn_app_with(|c| c.server.metrics_token = jirabridge::config::Secret::new("scrape-me".into())).await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);
    let ok = app.http.get(format!("{}/metrics", app.address)).bearer_auth("scrape-me").send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

#[tokio::test]
async fn shutdown_is_clean() {
    let app = spawn_app().await;
    app.post_legacy(own("cloud-issue-created.json")).await;
    app.shutdown().await;
}
