//! Jira Cloud comments on issues with a security level (SPEC §4.5): Cloud's `comment_*`
//! payloads name no security level, so they are routed with what the last full payload of
//! the issue showed; with nothing seen, the level is unknown and the comment reaches no
//! subscription channel, and the event log says why.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app, TestApp, SECRET};
use crate::support::fixtures::own;

const ACME: &str = "https://acme.atlassian.net";

async fn with_comment_rule(app: &TestApp, channel_id: &str, name: &str, fields: Value) {
    with_comment_rule_on(app, ACME, channel_id, name, fields).await;
}

/// A rule for OPS bugs' creations and comments on instance `base`, with field filters.
pub(crate) async fn with_comment_rule_on(app: &TestApp, base: &str, channel_id: &str, name: &str, fields: Value) {
    let rule = json!({"channel_id": channel_id, "name": name, "instance_id": base,
        "filters": {"events": ["event_created", "event_created_comment"], "projects": ["OPS"],
                    "issue_types": ["10004"], "fields": fields}});
    let response = app.api(Method::POST, "/subscriptions").json(&rule).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn app_with_cloud_instance() -> TestApp {
    let app = spawn_app().await;
    let request = json!({"url": ACME, "type": "cloud"});
    let response = app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    app
}

pub(crate) async fn firehose(app: &TestApp, body: String) {
    let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    assert_eq!(app.post(&url, body).await.status(), StatusCode::OK);
}

/// Our Cloud issue-created fixture (OPS-12, issue 20017), with `security` as given.
pub(crate) fn issue_created(security: Value) -> String {
    let mut payload: Value = serde_json::from_slice(&own("cloud-issue-created.json")).unwrap();
    payload["issue"]["fields"]["security"] = security;
    payload.to_string()
}

/// A Cloud `comment_created` on OPS-12: the few fields Cloud sends, no security level.
fn cloud_comment(id: &str) -> String {
    cloud_comment_on(ACME, id)
}

/// [`cloud_comment`] from instance `base`.
pub(crate) fn cloud_comment_on(base: &str, id: &str) -> String {
    json!({
        "timestamp": 1_700_000_100_000u64 + id.parse::<u64>().unwrap(),
        "webhookEvent": "comment_created",
        "comment": {"id": id, "self": format!("{base}/rest/api/2/issue/20017/comment/{id}"),
                    "body": "Looked at the logs.",
                    "author": {"accountId": "5f0c", "displayName": "Ann Lee"}},
        "issue": {"id": "20017", "key": "OPS-12", "self": format!("{base}/rest/api/2/20017"),
                  "fields": {"summary": "Checkout fails", "status": {"id": "1", "name": "Open"},
                             "priority": {"id": "2", "name": "High"},
                             "issuetype": {"id": "10004", "name": "Bug"},
                             "project": {"id": "10001", "key": "OPS"}, "assignee": null}}
    })
    .to_string()
}

pub(crate) fn comment_posts(app: &TestApp, channel_id: &str) -> usize {
    let posts = app.mm.posts(channel_id);
    posts.iter().filter(|p| p.props.to_string().contains("Looked at the logs")).count()
}

/// The routing status of the newest event.
pub(crate) fn newest_status(app: &TestApp) -> (u64, String) {
    let (id, event) = app.state.store.recent_events(1).unwrap().remove(0);
    (id, event.status.to_string())
}

#[tokio::test]
async fn a_comment_on_an_issue_never_seen_goes_nowhere_and_says_why() {
    let app = app_with_cloud_instance().await;
    with_comment_rule(&app, &app.channel_id, "Ops", json!([])).await;
    firehose(&app, cloud_comment("501")).await;
    app.deliver().await;
    assert_eq!(comment_posts(&app, &app.channel_id), 0);
    assert_eq!(newest_status(&app).1, "security level unknown");
    app.shutdown().await;
}

#[tokio::test]
async fn a_comment_on_a_secured_issue_reaches_only_rules_that_name_the_level() {
    let app = app_with_cloud_instance().await;
    let staff = app.mm.add_channel(&app.team_id, "staff");
    with_comment_rule(&app, &app.channel_id, "Ops", json!([])).await;
    let named = json!([{"key": "security", "inclusion": "include_any", "values": ["10100"]}]);
    with_comment_rule(&app, &staff, "Staff only", named).await;
    firehose(&app, issue_created(json!({"id": "10100", "name": "Staff"}))).await;
    let (created, _) = newest_status(&app);
    firehose(&app, cloud_comment("502")).await;
    app.deliver().await;
    assert_eq!(comment_posts(&app, &app.channel_id), 0, "the rule naming no level does not get it");
    assert_eq!(comment_posts(&app, &staff), 1, "the rule naming the level does");
    assert_eq!(newest_status(&app).1, format!("routed, enriched from event #{created}"));
    // A dry run matches the comment as routing did: not for the rule naming no level.
    let (comment, _) = newest_status(&app);
    for (channel, name, fields, expected) in [
        (app.channel_id.clone(), "Ops", json!([]), false),
        (
            staff.clone(),
            "Staff only",
            json!([{"key": "security", "inclusion": "include_any", "values": ["10100"]}]),
            true,
        ),
    ] {
        let rule = json!({"channel_id": channel, "name": name, "instance_id": ACME,
            "filters": {"events": ["event_created_comment"], "projects": ["OPS"], "issue_types": ["10004"], "fields": fields}});
        let request = json!({"subscription": rule, "last": 10});
        let result: Value =
            app.api(Method::POST, "/subscriptions/dry-run").json(&request).send().await.unwrap().json().await.unwrap();
        let matched = result["matched"].as_array().unwrap().iter().any(|m| m["event_id"] == comment);
        assert_eq!(matched, expected, "{name}: {result}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_comment_on_an_issue_without_a_level_is_posted_after_a_restart_too() {
    let app = app_with_cloud_instance().await;
    with_comment_rule(&app, &app.channel_id, "Ops", json!([])).await;
    firehose(&app, issue_created(Value::Null)).await;
    firehose(&app, cloud_comment("503")).await;
    app.deliver().await;
    assert_eq!(comment_posts(&app, &app.channel_id), 1);
    assert!(newest_status(&app).1.starts_with("routed, enriched from event #"));
    app.shutdown().await;
}

/// Jira sends a refused webhook again later: an older payload of the issue must not undo a
/// security level set since, and a comment's own few fields are never kept as the issue's.
#[tokio::test]
async fn an_older_payload_sent_again_does_not_undo_a_newer_security_level() {
    let app = app_with_cloud_instance().await;
    with_comment_rule(&app, &app.channel_id, "Ops", json!([])).await;
    let at = |body: String, timestamp: u64| {
        let mut payload: Value = serde_json::from_str(&body).unwrap();
        payload["timestamp"] = timestamp.into();
        payload.to_string()
    };
    firehose(&app, at(issue_created(json!({"id": "10100", "name": "Staff"})), 1_700_000_200_000)).await;
    firehose(&app, at(issue_created(Value::Null), 1_700_000_100_000)).await;
    firehose(&app, cloud_comment("504")).await;
    app.deliver().await;
    assert_eq!(comment_posts(&app, &app.channel_id), 0, "the newer payload's level holds");
    app.shutdown().await;
}
