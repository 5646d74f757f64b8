//! Jira Cloud comments enriched from Jira after the ack (SPEC §4.5, §4.6): with admin
//! credentials, the comment's issue is read from Jira (`GET /rest/api/2/issue/{id}`) and the
//! comment routed with its security level; when Jira fails or is gone, the facts kept from
//! earlier payloads are used; in push-only mode Jira is never asked. Events of the instance
//! received meanwhile wait, so each channel gets them in receipt order.
//!
//! Jira Cloud is told apart by its `*.atlassian.net` host, so each test gives the fake Jira
//! such a name of its own (the test-only resolver of `jira::client::test_hosts`).

use std::time::{Duration, Instant};

use jirabridge::store::records::RoutingKind;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::enrichment::{
    cloud_comment_on, comment_posts, firehose, issue_created, newest_status, with_comment_rule_on,
};
use crate::support::app::{spawn_app_with, TestApp};
use crate::support::fake_jira::{FakeJira, API_TOKEN, EMAIL};

/// The fields Jira answers for OPS-12 (issue 20017), with `security` when given.
fn issue_fields(security: Option<Value>) -> Value {
    let mut fields = json!({"summary": "Checkout fails", "project": {"id": "10001", "key": "OPS"},
        "issuetype": {"id": "10004", "name": "Bug"}, "status": {"id": "1", "name": "Open"}});
    if let Some(level) = security {
        fields["security"] = level;
    }
    fields
}

/// An app with the admin credentials and one Cloud instance served by `jira` under `host`.
async fn cloud_app(jira: &FakeJira, host: &str, push_only: bool) -> (TestApp, String) {
    cloud_app_with(jira, host, |c| {
        c.jira.admin_api_token = jirabridge::config::Secret::new(API_TOKEN.into());
        c.jira.admin_email = EMAIL.into();
        c.jira.push_only = push_only;
    })
    .await
}

/// An app configured by `adjust` with one Cloud instance served by `jira` under `host`.
async fn cloud_app_with(
    jira: &FakeJira,
    host: &str,
    adjust: impl FnOnce(&mut jirabridge::config::Config),
) -> (TestApp, String) {
    let port = jira.url.rsplit(':').next().unwrap();
    let base = format!("http://{host}:{port}");
    jirabridge::jira::client::test_hosts::resolve(host, "127.0.0.1:0".parse().unwrap());
    let app = spawn_app_with(adjust).await;
    let request = json!({"url": base, "type": "cloud"});
    let response = app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
    (app, base)
}

/// Connects a new Mattermost user `name` to `base` with a Cloud API token (the fake knows
/// `<name>@example.com` / `<name>-token` once `add_api_token_user` was called); answers
/// the user's id.
async fn connect_with_api_token(app: &TestApp, base: &str, (name, account_id, display): (&str, &str, &str)) -> String {
    let user = app.mm.add_user(name, "system_user");
    let connection = jirabridge::store::Connection {
        instance_id: base.to_string(),
        mm_user_id: user.clone(),
        jira: jirabridge::store::JiraUser {
            account_id: account_id.into(),
            display_name: display.into(),
            ..Default::default()
        },
        auth: jirabridge::store::ConnectionAuth::ApiToken {
            email: format!("{name}@example.com"),
            token: format!("{name}-token"),
        },
        settings: jirabridge::store::NotificationSettings::all_on(),
        saved_project_key: None,
        saved_issue_type: None,
        connected_at_ms: 1,
    };
    app.state.store.put_connection(&connection, &app.state.master_key).unwrap();
    app.state.connections.reload_index().unwrap();
    user
}

/// Whether a dry run of a comment rule for `channel` on `base` with `fields` matches event
/// `event_id` among the newest ten.
async fn dry_run_matches(app: &TestApp, base: &str, channel: &str, fields: Value, event_id: u64) -> bool {
    let rule = json!({"channel_id": channel, "name": "Dry", "instance_id": base,
        "filters": {"events": ["event_created_comment"], "projects": ["OPS"], "issue_types": ["10004"], "fields": fields}});
    let request = json!({"subscription": rule, "last": 10});
    let response = app.api(Method::POST, "/subscriptions/dry-run").json(&request).send().await.unwrap();
    let result: Value = response.json().await.unwrap();
    result["matched"].as_array().expect("matched events").iter().any(|m| m["event_id"] == event_id)
}

fn status_of(app: &TestApp, event_id: u64) -> String {
    app.state.store.event(event_id).unwrap().expect("event stored").status.to_string()
}

/// The event's routing status once it no longer waits.
async fn routed_status(app: &TestApp, event_id: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = status_of(app, event_id);
        if status != RoutingKind::RoutingPending.as_str() {
            return status;
        }
        assert!(Instant::now() < deadline, "event {event_id} still waits to be routed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn issue_reads(jira: &FakeJira) -> usize {
    jira.requests().iter().filter(|r| r.starts_with("GET /rest/api/2/issue/20017")).count()
}

/// Rules for the default channel (naming no level) and a staff channel (naming level 10100).
async fn two_rules(app: &TestApp, base: &str) -> String {
    let staff = app.mm.add_channel(&app.team_id, "staff");
    with_comment_rule_on(app, base, &app.channel_id, "Ops", json!([])).await;
    let named = json!([{"key": "security", "inclusion": "include_any", "values": ["10100"]}]);
    with_comment_rule_on(app, base, &staff, "Staff only", named).await;
    staff
}

#[tokio::test]
async fn a_comment_is_routed_with_the_security_level_jira_reports() {
    let jira = FakeJira::start().await;
    jira.add_issue("20017", issue_fields(Some(json!({"id": "10100", "name": "Staff"}))));
    let (app, base) = cloud_app(&jira, "answers.atlassian.net", false).await;
    let staff = two_rules(&app, &base).await;
    firehose(&app, cloud_comment_on(&base, "601")).await;
    let (comment, _) = newest_status(&app);
    assert_eq!(routed_status(&app, comment).await, "routed, enriched from Jira");
    app.deliver().await;
    assert_eq!(comment_posts(&app, &app.channel_id), 0, "the rule naming no level does not get it");
    assert_eq!(comment_posts(&app, &staff), 1, "the rule naming the level does");
    assert_eq!(issue_reads(&jira), 1);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"jirabridge_jira_requests_total{status="200"} 1"#), "{metrics}");
    // The dry run sees the level Jira reported, as routing did.
    let staff_level = json!([{"key": "security", "inclusion": "include_any", "values": ["10100"]}]);
    assert!(dry_run_matches(&app, &base, &staff, staff_level, comment).await, "the rule naming the level");
    assert!(!dry_run_matches(&app, &base, &app.channel_id, json!([]), comment).await, "the rule naming none");
    app.shutdown().await;
    jira.stop().await;
}

/// Without an admin token, the commenter's own connection reads the issue (SPEC §4.5); a
/// comment by someone not connected is routed with the facts kept, without asking Jira.
#[tokio::test]
async fn without_an_admin_token_the_commenters_connection_reads_the_issue() {
    let jira = FakeJira::start().await;
    jira.add_issue("20017", issue_fields(Some(json!({"id": "10100", "name": "Staff"}))));
    jira.add_api_token_user("ann@example.com", "ann-token", "5f0c", "Ann Lee");
    let (app, base) = cloud_app_with(&jira, "commenter.atlassian.net", |_| {}).await;
    let staff = two_rules(&app, &base).await;
    // Before anyone connects, nothing can ask Jira: the comment is routed at once.
    firehose(&app, cloud_comment_on(&base, "611")).await;
    let (first, _) = newest_status(&app);
    assert_ne!(status_of(&app, first), RoutingKind::RoutingPending.as_str());
    assert_eq!(issue_reads(&jira), 0);

    connect_with_api_token(&app, &base, ("ann", "5f0c", "Ann Lee")).await;
    firehose(&app, cloud_comment_on(&base, "612")).await;
    let (comment, _) = newest_status(&app);
    assert_eq!(routed_status(&app, comment).await, "routed, enriched from Jira");
    assert_eq!(issue_reads(&jira), 1, "read once, with Ann's API token");
    app.deliver().await;
    assert_eq!(comment_posts(&app, &staff), 1, "the level Jira told Ann routes it");

    // Someone else's comment waits (Jira might be asked) but nobody is connected as them.
    let stranger = cloud_comment_on(&base, "613").replace("\"5f0c\"", "\"70aa\"");
    firehose(&app, stranger).await;
    let (other, _) = newest_status(&app);
    // Routed with what Jira told Ann of the issue, kept as its facts.
    assert_eq!(routed_status(&app, other).await, format!("routed, enriched from event #{comment}"));
    assert_eq!(issue_reads(&jira), 1, "no credentials: Jira is not asked");
    app.deliver().await;
    assert_eq!(comment_posts(&app, &staff), 2, "the level Jira told Ann routes the stranger's too");
    app.shutdown().await;
    jira.stop().await;
}

#[tokio::test]
async fn an_issue_jira_reports_without_a_level_reaches_rules_naming_none() {
    let jira = FakeJira::start().await;
    jira.add_issue("20017", issue_fields(None));
    let (app, base) = cloud_app(&jira, "no-level.atlassian.net", false).await;
    let staff = two_rules(&app, &base).await;
    firehose(&app, cloud_comment_on(&base, "602")).await;
    let (comment, _) = newest_status(&app);
    assert_eq!(routed_status(&app, comment).await, "routed, enriched from Jira");
    app.deliver().await;
    assert_eq!(comment_posts(&app, &app.channel_id), 1);
    assert_eq!(comment_posts(&app, &staff), 0);
    // An answer without the field is not kept as the issue's facts (it might only be hidden
    // from this reader): the dry run still knows no level for the issue.
    assert!(!dry_run_matches(&app, &base, &app.channel_id, json!([]), comment).await);
    app.shutdown().await;
    jira.stop().await;
}

#[tokio::test]
async fn when_jira_fails_twice_the_facts_kept_route_the_comment() {
    let jira = FakeJira::start().await;
    jira.fail_issue_reads(500);
    let (app, base) = cloud_app(&jira, "fails.atlassian.net", false).await;
    let staff = two_rules(&app, &base).await;
    let mut created: Value = serde_json::from_str(&issue_created(json!({"id": "10100", "name": "Staff"}))).unwrap();
    created["issue"]["self"] = format!("{base}/rest/api/2/issue/20017").into();
    firehose(&app, created.to_string()).await;
    let (created_id, _) = newest_status(&app);
    firehose(&app, cloud_comment_on(&base, "603")).await;
    let (comment, _) = newest_status(&app);
    assert_eq!(routed_status(&app, comment).await, format!("routed, enriched from event #{created_id}"));
    assert_eq!(issue_reads(&jira), 2, "asked twice");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"jirabridge_jira_requests_total{status="500"} 2"#), "{metrics}");
    app.deliver().await;
    assert_eq!(comment_posts(&app, &staff), 1);
    assert_eq!(comment_posts(&app, &app.channel_id), 0);
    app.shutdown().await;
    jira.stop().await;
}

#[tokio::test]
async fn when_jira_is_gone_and_nothing_was_kept_the_level_stays_unknown() {
    let jira = FakeJira::start().await;
    let (app, base) = cloud_app(&jira, "gone.atlassian.net", false).await;
    two_rules(&app, &base).await;
    jira.stop().await;
    firehose(&app, cloud_comment_on(&base, "604")).await;
    let (comment, _) = newest_status(&app);
    assert_eq!(routed_status(&app, comment).await, "security level unknown");
    app.deliver().await;
    assert_eq!(comment_posts(&app, &app.channel_id), 0);
    app.shutdown().await;
}

#[tokio::test]
async fn in_push_only_mode_jira_is_never_asked() {
    let jira = FakeJira::start().await;
    jira.add_issue("20017", issue_fields(None));
    let (app, base) = cloud_app(&jira, "push-only.atlassian.net", true).await;
    two_rules(&app, &base).await;
    firehose(&app, cloud_comment_on(&base, "605")).await;
    assert_eq!(newest_status(&app).1, "security level unknown", "routed at once, with nothing kept");
    assert!(jira.requests().is_empty(), "{:?}", jira.requests());
    app.shutdown().await;
    jira.stop().await;
}

/// The events of the instance received while a comment waits for Jira wait behind it: the
/// channel gets the comment first, as Jira sent them.
#[tokio::test]
async fn events_after_a_waiting_comment_keep_their_order_in_the_channel() {
    let jira = FakeJira::start().await;
    jira.add_issue("20017", issue_fields(None));
    jira.slow_issue_reads(Duration::from_millis(800));
    let (app, base) = cloud_app(&jira, "order.atlassian.net", false).await;
    with_comment_rule_on(&app, &base, &app.channel_id, "Ops", json!([])).await;
    firehose(&app, cloud_comment_on(&base, "606")).await;
    let (comment, _) = newest_status(&app);
    let mut created: Value = serde_json::from_str(&issue_created(Value::Null)).unwrap();
    created["issue"]["self"] = format!("{base}/rest/api/2/issue/20017").into();
    created["issue"]["fields"]["summary"] = "A second issue event".into();
    firehose(&app, created.to_string()).await;
    let (after, status) = newest_status(&app);
    assert_eq!(status, RoutingKind::RoutingPending.as_str(), "it waits behind the comment");
    assert_eq!(routed_status(&app, comment).await, "routed, enriched from Jira");
    assert_eq!(routed_status(&app, after).await, "routed");
    app.deliver().await;
    let posts: Vec<String> = app.channel_posts().iter().map(|p| p.props.to_string()).collect();
    let comment_at = posts.iter().position(|p| p.contains("Looked at the logs")).expect("comment posted");
    let created_at = posts.iter().position(|p| p.contains("A second issue event")).expect("event posted");
    assert!(comment_at < created_at, "the comment first: {posts:?}");
    app.shutdown().await;
    jira.stop().await;
}

/// Issue 17 point 8: the personal DMs of a Cloud comment use the issue the router read from
/// Jira: its reporter gets the DM, and Jira is not asked a second time who reported it.
#[tokio::test]
async fn a_comments_dms_use_the_issue_the_router_read() {
    let jira = FakeJira::start().await;
    let mut fields = issue_fields(None);
    fields["reporter"] = json!({"accountId": "5f0d", "displayName": "Dan Reed"});
    fields["creator"] = fields["reporter"].clone();
    jira.add_issue("20017", fields.clone());
    jira.add_issue("OPS-12", fields);
    jira.add_api_token_user("dan@example.com", "dan-token", "5f0d", "Dan Reed");
    let (app, base) = cloud_app(&jira, "dms-enriched.atlassian.net", false).await;
    let dan = connect_with_api_token(&app, &base, ("dan", "5f0d", "Dan Reed")).await;

    firehose(&app, cloud_comment_on(&base, "620")).await;
    app.until_routed().await;
    assert_eq!(app.state.connections.decide_direct_messages().await.unwrap(), 1, "the reporter's DM");
    app.deliver().await;
    let to_dan = app.mm.direct_messages(&dan);
    assert_eq!(to_dan.len(), 1);
    assert!(to_dan[0].message.contains("You reported this"), "{}", to_dan[0].message);
    assert_eq!(issue_reads(&jira), 1, "the router's read only: {:?}", jira.requests());
    let asked_again = jira.requests().into_iter().any(|r| r.contains("fields=reporter%2Ccreator"));
    assert!(!asked_again, "{:?}", jira.requests());
    app.shutdown().await;
    jira.stop().await;
}
