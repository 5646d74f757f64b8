//! The legacy webhook as Jira and an admin meet it: URLs, secrets, signatures, flags,
//! bad input, duplicates (SPEC §4.1–4.3, §4.7).

use jirabridge::secrets::verify::sign;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::{spawn_app, spawn_app_with, SECRET};
use crate::support::fixtures::own;

#[tokio::test]
async fn a_created_issue_becomes_one_post_in_the_channel() {
    let app = spawn_app().await;
    let response = app.post_legacy(own("cloud-issue-created.json")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "");
    assert_eq!(app.deliver().await, 1);
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 1);
    let attachment = &posts[0].props["attachments"][0];
    assert_eq!(
        attachment["pretext"],
        "Grace Hopper **created** bug [OPS-12: Backup job fails on the second node](https://acme.atlassian.net/browse/OPS-12)"
    );
    assert!(attachment["text"].as_str().unwrap().contains("node b"));
    assert!(posts[0].props["jirabridge_delivery_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(posts[0].user_id, app.mm.bot_user_id());
}

#[tokio::test]
async fn the_plugin_path_works_too() {
    let app = spawn_app().await;
    let url = app.legacy_url("").replace("/webhook?", "/plugins/jira/webhook?");
    assert_eq!(app.post(&url, own("cloud-issue-created.json")).await.status(), StatusCode::OK);
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1);
}

#[tokio::test]
async fn wrong_or_missing_secret_is_401_without_detail() {
    let app = spawn_app().await;
    let wrong = app.legacy_url("").replace(SECRET, "not-the-secret");
    let missing = app.legacy_url("").replace(&format!("secret={SECRET}&"), "");
    for url in [wrong, missing] {
        let response = app.post(&url, own("cloud-issue-created.json")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.text().await.unwrap(), "unauthorized");
    }
    app.deliver().await;
    assert!(app.channel_posts().is_empty());
}

#[tokio::test]
async fn a_double_encoded_secret_still_works() {
    let app = spawn_app_with(|c| c.webhook.secret = jirabridge::config::Secret::new("a/b+c=d-secret".into())).await;
    let url = format!("{}/webhook?secret=a%252Fb%252Bc%253Dd-secret&team=eng&channel=jira-feed", app.address);
    assert_eq!(app.post(&url, own("cloud-issue-created.json")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_signed_webhook_needs_no_query_secret_and_a_bad_signature_is_401() {
    let app = spawn_app().await;
    let body = own("cloud-issue-created.json");
    let url = format!("{}/webhook?team=eng&channel=jira-feed", app.address);
    let signed =
        app.http.post(&url).header("X-Hub-Signature", sign(SECRET, &body)).body(body.clone()).send().await.unwrap();
    assert_eq!(signed.status(), StatusCode::OK);
    let forged =
        app.http.post(&url).header("X-Hub-Signature", sign("other", &body)).body(body.clone()).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    let mut tampered = body.clone();
    tampered.push(b' ');
    let tampered =
        app.http.post(&url).header("X-Hub-Signature", sign(SECRET, &body)).body(tampered).send().await.unwrap();
    assert_eq!(tampered.status(), StatusCode::UNAUTHORIZED);
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1);
}

#[tokio::test]
async fn require_signature_refuses_query_only_webhooks() {
    let app = spawn_app_with(|c| c.webhook.require_signature = true).await;
    assert_eq!(app.post_legacy(own("cloud-issue-created.json")).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_nothing_is_stored() {
    let app = spawn_app_with(|c| c.webhook.max_body_bytes = 2048).await;
    let big = format!("{{\"webhookEvent\":\"jira:issue_created\",\"pad\":\"{}\"}}", "x".repeat(4096));
    let response = app.post_legacy(big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.state.store.event_count(), 0);
}

#[tokio::test]
async fn invalid_json_is_400_with_a_short_reason() {
    let app = spawn_app().await;
    let response = app.post_legacy("{\"webhookEvent\": ").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let text = response.text().await.unwrap();
    assert!(text.starts_with("invalid JSON: "), "{text}");
    assert!(text.len() < 200);
}

#[tokio::test]
async fn missing_team_or_channel_and_unknown_channel_are_400() {
    let app = spawn_app().await;
    let body = own("cloud-issue-created.json");
    let cases = [
        (format!("{}/webhook?secret={SECRET}&channel=jira-feed", app.address), "request URL: no team name found"),
        (format!("{}/webhook?secret={SECRET}&team=eng", app.address), "request URL: no channel name found"),
        (
            format!("{}/webhook?secret={SECRET}&team=eng&channel=nope", app.address),
            "request URL: channel eng/nope not found",
        ),
    ];
    for (url, expected) in cases {
        let response = app.post(&url, body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.text().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn names_that_are_not_mattermost_names_are_400_before_mattermost_is_asked() {
    let app = spawn_app().await;
    let body = own("cloud-issue-created.json");
    for query in [
        "team=..&channel=jira-feed",
        "team=eng&channel=..%2F..%2Fusers",
        "team=eng%2F..&channel=x",
        "team=Eng&channel=jira-feed",
    ] {
        let before = app.mm.requests().len();
        let response = app.post(&format!("{}/webhook?secret={SECRET}&{query}", app.address), body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.text().await.unwrap(), "request URL: invalid team or channel name");
        assert_eq!(app.mm.requests().len(), before, "{query} reached Mattermost");
    }
    assert_eq!(app.deliver().await, 0);
}

#[tokio::test]
async fn the_user_docs_curl_test_answers_200_when_the_url_is_right() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.legacy_url(""))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"event":"some_jira_event"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    app.deliver().await;
    assert!(app.channel_posts().is_empty());
}

#[tokio::test]
async fn events_we_do_not_handle_are_200_and_ignored() {
    let app = spawn_app().await;
    assert_eq!(app.post_legacy(own("cloud-worklog-updated.json")).await.status(), StatusCode::OK);
    assert_eq!(
        app.post_legacy(r#"{"webhookEvent":"jira:issue_created","issue":{"fields":null}}"#).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.post_legacy("[1,2,3]").await.status(), StatusCode::OK);
    app.deliver().await;
    assert!(app.channel_posts().is_empty());
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"jirabridge_webhooks_total{kind="legacy",result="ignored"} 3"#), "{metrics}");
}

#[tokio::test]
async fn flags_choose_which_updates_are_posted() {
    let app = spawn_app().await;
    let body = own("server-issue-updated-status-and-labels.json");
    assert_eq!(app.post_legacy(body.clone()).await.status(), StatusCode::OK);
    app.deliver().await;
    assert!(app.channel_posts().is_empty(), "status changes are not in the default set");
    assert_eq!(app.post(&app.legacy_url("&updated_status=1"), body).await.status(), StatusCode::OK);
    app.deliver().await;
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 1);
    let fields: Vec<&str> = posts[0].props["attachments"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["**Status:** ~~In Progress~~ In Review", "**Labels:** ~~frontend~~ frontend ux"]);
}

#[tokio::test]
async fn the_misspelt_priority_flag_of_old_urls_works() {
    let app = spawn_app().await;
    let body = r#"{"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_updated",
        "user":{"displayName":"Ada"},"issue":{"id":"1","key":"A-1","self":"https://j.example/rest/api/2/issue/1",
        "fields":{"summary":"s","issuetype":{"name":"Task"}}},
        "changelog":{"items":[{"field":"priority","fromString":"Low","toString":"High"}]}}"#;
    app.post(&app.legacy_url("&updated_prioity=true"), body).await;
    app.deliver().await;
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].message,
        r#"Ada **updated** priority from "Low" to "High" on task [A-1: s](https://j.example/browse/A-1)"#
    );
}

#[tokio::test]
async fn the_same_webhook_twice_posts_once() {
    let app = spawn_app().await;
    let body = own("cloud-issue-created.json");
    assert_eq!(app.post_legacy(body.clone()).await.status(), StatusCode::OK);
    assert_eq!(app.post_legacy(body.clone()).await.status(), StatusCode::OK);
    let with_id = |id: &'static str| app.http.post(app.legacy_url("")).header("X-Atlassian-Webhook-Identifier", id);
    let changed = String::from_utf8(body).unwrap().replace("OPS-12", "OPS-13").replace("20017", "20018");
    with_id("hook-1").body(changed.clone()).send().await.unwrap();
    with_id("hook-1").body(changed.replace("second", "third")).send().await.unwrap();
    app.deliver().await;
    let keys: Vec<String> =
        app.channel_posts().iter().map(|p| p.props["attachments"][0]["pretext"].to_string()).collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"jirabridge_webhooks_total{kind="legacy",result="duplicate"} 2"#), "{metrics}");
}

#[tokio::test]
async fn other_methods_are_405_with_allow() {
    let app = spawn_app().await;
    let response = app.get("/webhook").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(app.get("/no/such/path").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stored_event_keeps_its_raw_payload() {
    let app = spawn_app().await;
    let body = own("cloud-issue-created.json");
    app.post_legacy(body.clone()).await;
    let event = app.state.store.event(first_event_id(&app)).unwrap().unwrap();
    assert_eq!(event.raw_body, body);
    assert_eq!(event.events, ["event_created"]);
    assert_eq!(event.issue_key, "OPS-12");
    let _: Value = serde_json::from_slice(&event.raw_body).unwrap();
}

fn first_event_id(app: &crate::support::app::TestApp) -> u64 {
    app.state.store.all_deliveries().unwrap()[0].record.event_id
}

#[tokio::test]
async fn one_change_repeated_by_another_jira_node_posts_once() {
    let app = spawn_app().await;
    let body = String::from_utf8(own("cloud-comment-created.json")).unwrap();
    let url = app.legacy_url("&updated_comments=1");
    for node in ["node-a", "node-b"] {
        let response =
            app.http.post(&url).header("X-Atlassian-Webhook-Identifier", node).body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Same shape but re-serialised differently (as a second node would): still one change.
    let reshaped = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&body).unwrap()).unwrap();
    app.http.post(&url).header("X-Atlassian-Webhook-Identifier", "node-c").body(reshaped).send().await.unwrap();
    let another = body.replace("40001", "40002");
    app.http.post(&url).header("X-Atlassian-Webhook-Identifier", "node-a2").body(another).send().await.unwrap();
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 2, "the repeated comment once, the other comment once");
}

#[tokio::test]
async fn hidden_descriptions_leave_the_fields() {
    let app = spawn_app_with(|c| c.mattermost.hide_description_comment = true).await;
    app.post_legacy(own("cloud-issue-created.json")).await;
    app.deliver().await;
    let attachment = &app.channel_posts()[0].props["attachments"][0];
    assert_eq!(attachment["text"], "");
    assert_eq!(attachment["fields"][1]["value"], "High");
}

#[tokio::test]
async fn the_per_instance_legacy_url_posts_and_an_unknown_instance_is_404() {
    let app = spawn_app().await;
    let added = app
        .api(reqwest::Method::POST, "/instances?skip_check=true")
        .json(&serde_json::json!({"url": "https://jira.example.com", "type": "server", "alias": "main"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let encoded = jirabridge::jira::instance::encode_id("https://jira.example.com");
    let query = format!("secret={SECRET}&team={}&channel={}", crate::support::app::TEAM, crate::support::app::CHANNEL);
    for prefix in ["", "/plugins/jira"] {
        for reference in [encoded.as_str(), "main"] {
            let url = format!("{}{prefix}/instance/{reference}/webhook?{query}", app.address);
            assert_eq!(app.post(&url, own("cloud-issue-created.json")).await.status(), StatusCode::OK, "{url}");
        }
    }
    let unknown = format!("{}/instance/nope/webhook?{query}", app.address);
    assert_eq!(app.post(&unknown, own("cloud-issue-created.json")).await.status(), StatusCode::NOT_FOUND);
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1, "the same webhook four times is one post");
    let (_, event) = app.state.store.recent_events(1).unwrap().remove(0);
    assert_eq!(event.instance_id.as_ref().map(|id| id.as_str()), Some("https://jira.example.com"));
    app.shutdown().await;
}
