//! Channel subscriptions end to end: the admin API creates rules, the firehose routes Jira
//! events by them through the fake Mattermost (SPEC §4.4, §6).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app, spawn_app_with, TestApp, SECRET};
use crate::support::fixtures::own;

const ACME: &str = "https://acme.atlassian.net";

async fn add_instance(app: &TestApp) {
    let request = json!({"url": ACME, "type": "cloud", "alias": "acme"});
    let response = app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

fn rule(channel_id: &str, name: &str, events: &[&str], fields: Value) -> Value {
    json!({"channel_id": channel_id, "name": name, "instance_id": ACME,
           "filters": {"events": events, "projects": ["OPS"], "issue_types": ["10004"], "fields": fields}})
}

async fn subscribe(app: &TestApp, rule: &Value) -> Value {
    let response = app.api(Method::POST, "/subscriptions").json(rule).send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn firehose(app: &TestApp, path: &str, body: impl Into<reqwest::Body>) -> StatusCode {
    let url = format!("{}{path}?secret={SECRET}", app.address);
    app.post(&url, body).await.status()
}

/// Posts made for Jira events (not the bot's subscription announcements).
fn event_posts(app: &TestApp, channel_id: &str) -> Vec<crate::support::fake_mattermost::Post> {
    app.mm.posts(channel_id).into_iter().filter(|p| p.props.get("jirabridge_delivery_id").is_some()).collect()
}

#[tokio::test]
async fn a_subscription_routes_matching_events_to_its_channel_only() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let other = app.mm.add_channel(&app.team_id, "other");
    let created = subscribe(&app, &rule(&app.channel_id, "Ops bugs", &["event_created"], json!([]))).await;
    assert_eq!(created["id"].as_str().unwrap().len(), 26);
    assert_eq!(created["state"], "active");
    assert_eq!(firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await, StatusCode::OK);
    app.deliver().await;
    let posts = event_posts(&app, &app.channel_id);
    assert_eq!(posts.len(), 1);
    assert!(posts[0].props["attachments"][0]["pretext"].as_str().unwrap().contains("OPS-12"));
    assert!(event_posts(&app, &other).is_empty());
}

#[tokio::test]
async fn events_outside_the_rule_are_not_posted() {
    let app = spawn_app().await;
    add_instance(&app).await;
    subscribe(&app, &rule(&app.channel_id, "Comments only", &["event_created_comment"], json!([]))).await;
    firehose(&app, "/plugins/jira/api/v2/webhook", own("cloud-issue-created.json")).await;
    app.deliver().await;
    assert!(event_posts(&app, &app.channel_id).is_empty());
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"jirabridge_webhooks_total{kind="firehose",result="unmatched"} 1"#), "{metrics}");
}

#[tokio::test]
async fn a_channel_matched_by_two_rules_gets_one_post() {
    let app = spawn_app().await;
    add_instance(&app).await;
    subscribe(&app, &rule(&app.channel_id, "B rule", &["event_created"], json!([]))).await;
    subscribe(&app, &rule(&app.channel_id, "A rule", &["event_updated_any", "event_created"], json!([]))).await;
    firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await;
    app.deliver().await;
    assert_eq!(event_posts(&app, &app.channel_id).len(), 1);
}

#[tokio::test]
async fn field_filters_and_the_instance_path_decide() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let high_only = json!([{"key": "priority", "inclusion": "include_any", "values": ["2"]}]);
    subscribe(&app, &rule(&app.channel_id, "High", &["event_created"], high_only)).await;
    let low = String::from_utf8(own("cloud-issue-created.json"))
        .unwrap()
        .replace(r#""id": "2", "name": "High""#, r#""id": "4", "name": "Low""#)
        .replace("20017", "20099");
    firehose(&app, "/instance/acme/api/v2/webhook", low).await;
    firehose(&app, "/instance/aHR0cHM6Ly9hY21lLmF0bGFzc2lhbi5uZXQ=/api/v2/webhook", own("cloud-issue-created.json"))
        .await;
    app.deliver().await;
    assert_eq!(event_posts(&app, &app.channel_id).len(), 1, "only the High issue");
    assert_eq!(
        firehose(&app, "/instance/nope/api/v2/webhook", own("cloud-issue-created.json")).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn issues_with_a_security_level_need_a_rule_that_names_it() {
    let app = spawn_app().await;
    add_instance(&app).await;
    subscribe(&app, &rule(&app.channel_id, "Any", &["event_created"], json!([]))).await;
    let secret_issue = String::from_utf8(own("cloud-issue-created.json"))
        .unwrap()
        .replace(r#""security": null"#, r#""security": {"id": "10100", "name": "Staff only"}"#);
    firehose(&app, "/api/v2/webhook", secret_issue.clone()).await;
    app.deliver().await;
    assert!(event_posts(&app, &app.channel_id).is_empty(), "a restricted issue must not leak");
    let named = json!([{"key": "security", "inclusion": "include_any", "values": ["10100"]}]);
    subscribe(&app, &rule(&app.channel_id, "Staff", &["event_created"], named)).await;
    firehose(&app, "/api/v2/webhook", secret_issue.replace("20017", "20018")).await;
    app.deliver().await;
    assert_eq!(event_posts(&app, &app.channel_id).len(), 1);
}

#[tokio::test]
async fn the_subscription_name_can_be_shown() {
    let app = spawn_app_with(|c| c.mattermost.display_subscription_name = true).await;
    add_instance(&app).await;
    subscribe(&app, &rule(&app.channel_id, "Ops bugs", &["event_created"], json!([]))).await;
    firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await;
    app.deliver().await;
    let pretext =
        event_posts(&app, &app.channel_id)[0].props["attachments"][0]["pretext"].as_str().unwrap().to_string();
    assert!(pretext.ends_with("\nSubscription: **Ops bugs**"), "{pretext}");
}

#[tokio::test]
async fn invalid_subscriptions_are_400_with_field_messages() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let mut bad = rule(&app.channel_id, "Bad", &["event_created", "event_foo"], json!([]));
    bad["filters"]["projects"] = json!([]);
    let response = app.api(Method::POST, "/subscriptions").json(&bad).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    let fields = error["error"]["fields"].as_object().unwrap();
    assert!(fields.values().any(|m| m.as_str().unwrap().contains("unknown event name")), "{error}");
    assert!(fields.values().any(|m| m.as_str().unwrap().contains("please provide a project identifier")), "{error}");

    let unknown_channel = rule("abcdefghijklmnopqrstuvwxyz", "X", &["event_created"], json!([]));
    let error: Value =
        app.api(Method::POST, "/subscriptions").json(&unknown_channel).send().await.unwrap().json().await.unwrap();
    assert_eq!(error["error"]["fields"]["channel_id"], "unknown channel");

    subscribe(&app, &rule(&app.channel_id, "Twice", &["event_created"], json!([]))).await;
    let error: Value = app
        .api(Method::POST, "/subscriptions")
        .json(&rule(&app.channel_id, "Twice", &["event_created"], json!([])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(error["error"]["fields"]["name"].as_str().unwrap().contains("already exists"), "{error}");
}

#[tokio::test]
async fn subscriptions_are_listed_replaced_explained_and_deleted() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let created = subscribe(&app, &rule(&app.channel_id, "Ops", &["event_created"], json!([]))).await;
    let id = created["id"].as_str().unwrap();
    let listed: Value = app
        .api(Method::GET, &format!("/subscriptions?channel_id={}", app.channel_id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let mut changed = created.clone();
    changed["name"] = json!("Ops renamed");
    let replaced = app.api(Method::PUT, &format!("/subscriptions/{id}")).json(&changed).send().await.unwrap();
    assert_eq!(replaced.status(), StatusCode::OK);
    let jql: Value =
        app.api(Method::GET, &format!("/subscriptions/{id}/jql")).send().await.unwrap().json().await.unwrap();
    assert!(jql["jql"].as_str().unwrap().starts_with("Project = OPS"), "{jql}");
    assert!(jql["jql"].as_str().unwrap().contains("\"Security Level\" IS EMPTY"), "{jql}");
    assert_eq!(
        app.api(Method::DELETE, &format!("/subscriptions/{id}")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.api(Method::GET, &format!("/subscriptions/{id}")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let actions: Vec<String> = app.state.store.audit_entries(0, 10).unwrap().into_iter().map(|a| a.action).collect();
    assert_eq!(actions[..3], ["subscription.remove", "subscription.update", "subscription.add"]);
}

#[tokio::test]
async fn an_archived_channel_breaks_its_subscriptions_until_a_post_succeeds() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let created = subscribe(&app, &rule(&app.channel_id, "Ops", &["event_created"], json!([]))).await;
    let id = created["id"].as_str().unwrap().to_string();
    app.mm.set_bot_member(&app.channel_id, false);
    firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await;
    app.deliver().await;
    let shown: Value =
        app.api(Method::GET, &format!("/subscriptions/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["state"], "broken");
    assert!(shown["broken_reason"].as_str().unwrap().contains("not a member"), "{shown}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"jirabridge_subscriptions{state="broken"} 1"#), "{metrics}");

    app.mm.set_bot_member(&app.channel_id, true);
    firehose(
        &app,
        "/api/v2/webhook",
        String::from_utf8(own("cloud-issue-created.json")).unwrap().replace("20017", "20030"),
    )
    .await;
    app.deliver().await;
    let shown: Value =
        app.api(Method::GET, &format!("/subscriptions/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["state"], "active", "a later success clears it");
}

#[tokio::test]
async fn a_dry_run_shows_which_recent_events_a_rule_would_post() {
    let app = spawn_app().await;
    add_instance(&app).await;
    firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await;
    firehose(&app, "/api/v2/webhook", own("cloud-comment-created.json")).await;
    let candidate = rule(&app.channel_id, "Would be", &["event_created_comment"], json!([]));
    let response = app
        .api(Method::POST, "/subscriptions/dry-run")
        .json(&json!({"subscription": candidate, "last": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["examined"], 2);
    let matched = result["matched"].as_array().unwrap();
    assert_eq!(matched.len(), 1, "{result}");
    assert_eq!(matched[0]["issue_key"], "OPS-12");
    assert_eq!(matched[0]["events"], json!(["event_created_comment"]));
    assert_eq!(matched[0]["channel_id"], app.channel_id.as_str());
    let unmatched = result["unmatched"].as_array().unwrap();
    assert_eq!(unmatched.len(), 1, "{result}");
    assert_eq!(unmatched[0]["excluded_by"], "filters.events", "the created issue is not a comment event");
    assert_eq!(unmatched[0]["reason"], "events [event_created] not in [event_created_comment]");
    app.deliver().await;
    assert!(event_posts(&app, &app.channel_id).is_empty(), "a dry run posts nothing");
}

#[tokio::test]
async fn templates_are_kept_per_project_with_unique_names() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let template = rule(&app.channel_id, "Bug triage", &["event_created"], json!([]));
    let response = app.api(Method::POST, "/templates").json(&template).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let again = app.api(Method::POST, "/templates").json(&template).send().await.unwrap();
    let error: Value = again.json().await.unwrap();
    assert!(
        error["error"]["fields"]["name"].as_str().unwrap().starts_with("Template name, 'Bug triage', already exists"),
        "{error}"
    );
    let listed: Value = app
        .api(Method::GET, &format!("/templates?instance_id={ACME}&project_key=OPS"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let other_project: Value =
        app.api(Method::GET, "/templates?project_key=WEB").send().await.unwrap().json().await.unwrap();
    assert!(other_project.as_array().unwrap().is_empty());
    let mut long = template.clone();
    long["name"] = json!("x".repeat(100));
    let error: Value = app.api(Method::POST, "/templates").json(&long).send().await.unwrap().json().await.unwrap();
    assert_eq!(error["error"]["fields"]["name"], "please provide a name less than 100 characters");
    assert_eq!(
        app.api(Method::DELETE, &format!("/templates/{id}")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await;
    app.deliver().await;
    assert!(event_posts(&app, &app.channel_id).is_empty(), "templates never route events");
}

#[tokio::test]
async fn restricted_comments_stay_out_of_channels_unless_the_rule_names_the_group() {
    let app = spawn_app().await;
    add_instance(&app).await;
    subscribe(&app, &rule(&app.channel_id, "Comments", &["event_created_comment"], json!([]))).await;
    let restricted = String::from_utf8(own("cloud-comment-created.json")).unwrap().replace(
        r#""jsdPublic": true"#,
        r#""jsdPublic": true, "visibility": {"type": "group", "value": "jira-developers"}"#,
    );
    assert!(restricted.contains("jira-developers"));
    // Cloud's comment payloads name no security level: the issue's own event comes first.
    firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await;
    firehose(&app, "/api/v2/webhook", restricted.clone()).await;
    app.deliver().await;
    assert!(event_posts(&app, &app.channel_id).is_empty(), "a group-restricted comment must not leak");
    let developers = json!([{"key": "commentVisibility", "inclusion": "include_any", "values": ["jira-developers"]}]);
    subscribe(&app, &rule(&app.channel_id, "Developers", &["event_created_comment"], developers)).await;
    firehose(&app, "/api/v2/webhook", restricted.replace("40001", "40077")).await;
    app.deliver().await;
    assert_eq!(event_posts(&app, &app.channel_id).len(), 1, "the rule that names the group gets it");
}

#[tokio::test]
async fn an_events_page_says_which_filter_of_each_subscription_left_it_out() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let comments_only = rule(&app.channel_id, "Comments only", &["event_created_comment"], json!([]));
    let response = app.api(Method::POST, "/subscriptions").json(&comments_only).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    firehose(&app, "/api/v2/webhook", own("cloud-issue-created.json")).await;
    let (id, event) = app.state.store.recent_events(1).unwrap().remove(0);
    assert_eq!(event.status.to_string(), "unmatched");
    let mut visitor = crate::support::console::signed_in(&app).await;
    let page = visitor.get(&format!("/admin/events/{id}")).await;
    assert!(page.has("Subscriptions that left it out"), "{}", page.body);
    let why = "events [event_created] not in [event_created_comment]";
    assert!(page.has("Comments only") && page.has(why), "SPEC §6.9: what the event had: {}", page.body);
    assert!(page.has("eng / jira-feed"), "the channel by name: {}", page.body);
    app.shutdown().await;
}

#[tokio::test]
async fn subscriptions_name_their_channel_for_people() {
    let app = spawn_app().await;
    add_instance(&app).await;
    let posted = rule(&app.channel_id, "Named", &["event_created"], json!([]));
    let response = app.api(Method::POST, "/subscriptions").json(&posted).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["channel_display"], "eng / jira-feed", "API.md: every answer carries it: {created}");
    let listed: Value = app.api(Method::GET, "/subscriptions").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["channel_display"], "eng / jira-feed", "{listed}");
    let id = created["id"].as_str().unwrap();
    let one: Value = app.api(Method::GET, &format!("/subscriptions/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(one["channel_display"], "eng / jira-feed");
    let mut visitor = crate::support::console::signed_in(&app).await;
    let page = visitor.get("/admin/subscriptions").await;
    assert!(page.has("eng / jira-feed"), "{}", page.body);
    app.shutdown().await;
}

/// SPEC §7.4: removing an instance keeps its subscriptions, inactive, and adding it again
/// revives them. The API and the console's list say which are inactive.
#[tokio::test]
async fn the_rules_of_a_removed_instance_show_as_inactive_until_it_returns() {
    let app = spawn_app().await;
    add_instance(&app).await;
    subscribe(&app, &rule(&app.channel_id, "Ops", &["event_created"], json!([]))).await;
    let states = |app: &TestApp| {
        let request = app.api(Method::GET, "/subscriptions");
        async move {
            let list: Value = request.send().await.unwrap().json().await.unwrap();
            list.as_array().unwrap().iter().map(|r| r["state"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(states(&app).await, ["active"]);
    assert_eq!(app.api(Method::DELETE, "/instances/acme").send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(states(&app).await, ["inactive"]);
    let mut visitor = crate::support::console::signed_in(&app).await;
    let page = visitor.get("/admin/subscriptions").await;
    assert!(page.has("its Jira instance was removed; adding it again revives the rule"), "{}", page.body);
    add_instance(&app).await;
    assert_eq!(states(&app).await, ["active"]);
    app.shutdown().await;
}
