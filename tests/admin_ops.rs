//! The admin API's operations views (SPEC §3.5): event log and replay, outbox and retry,
//! secrets, status, render and the audit log.

use jirabridge::config::Secret;
use jirabridge::utc::now_ms;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app, spawn_app_with, TestApp, ADMIN_TOKEN, CHANNEL, SECRET, TEAM};
use crate::support::fixtures::{issue_created, own};

const ACME: &str = "https://acme.atlassian.net";

async fn call(app: &TestApp, method: Method, path: &str) -> (StatusCode, Value) {
    let response = app.api(method, path).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array().unwrap().iter().map(|e| e["id"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn events_are_searched_shown_and_replayed_to_their_channel() {
    let app = spawn_app().await;
    app.post_legacy(issue_created("OPS-12")).await;
    app.post_legacy(issue_created("WEB-7")).await;
    app.deliver().await;
    let (status, all) = call(&app, Method::GET, "/events").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["issue_key"], "WEB-7", "newest first");
    let ops = ids(&all)[1];
    for (query, expected) in [
        ("issue_key=ops-12", vec![ops]),
        ("project=ops&kind=event_created", ids(&all)),
        ("project=WEB", vec![]),
        ("kind=event_deleted", vec![]),
        ("limit=1", vec![ids(&all)[0]]),
        (&format!("since={}", now_ms() + 60_000), vec![]),
    ] {
        let (_, found) = call(&app, Method::GET, &format!("/events?{query}")).await;
        assert_eq!(ids(&found), expected, "{query}");
    }
    assert_eq!(call(&app, Method::GET, "/events?limit=many").await.0, StatusCode::BAD_REQUEST);

    let (status, detail) = call(&app, Method::GET, &format!("/events/{ops}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["payload"]["issue"]["key"], "OPS-12");
    assert_eq!(detail["deliveries"][0]["state"], "done");
    assert_eq!(detail["deliveries"][0]["channel"], app.channel_id.as_str());

    let (status, replayed) = call(&app, Method::POST, &format!("/events/{ops}/replay")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{replayed}");
    assert_eq!(replayed["deliveries"].as_array().unwrap().len(), 1);
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 3);
    let (_, detail) = call(&app, Method::GET, &format!("/events/{ops}")).await;
    assert_eq!(detail["deliveries"].as_array().unwrap().len(), 2);
    app.post_legacy(issue_created("OPS-12")).await;
    assert_eq!(app.state.store.event_count(), 2, "the dedup keys still know the original");
    let audit = app.state.store.audit_entries(0, 1).unwrap();
    assert_eq!((audit[0].action.as_str(), audit[0].target.as_str()), ("event.replay", ops.to_string().as_str()));

    assert_eq!(call(&app, Method::GET, "/events/999999").await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, Method::GET, "/events/abc").await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, Method::POST, "/events/999999/replay").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_legacy_event_that_was_never_posted_cannot_be_replayed() {
    let app = spawn_app().await;
    app.post_legacy(own("cloud-comment-created.json")).await;
    let (_, all) = call(&app, Method::GET, "/events").await;
    assert_eq!(all[0]["status"], "unmatched", "no updated_comments flag");
    let (status, error) = call(&app, Method::POST, &format!("/events/{}/replay", ids(&all)[0])).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(error["error"]["message"].as_str().unwrap().contains("never posted"), "{error}");
}

#[tokio::test]
async fn a_firehose_event_replays_through_the_subscriptions_in_force() {
    let app = spawn_app().await;
    let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    app.post(&url, own("cloud-issue-created.json")).await;
    let (_, all) = call(&app, Method::GET, "/events").await;
    let id = ids(&all)[0];
    assert_eq!(all[0]["status"], "unrouted", "no instance yet");

    let instance = json!({"url": ACME, "type": "cloud"});
    app.api(Method::POST, "/instances?skip_check=true").json(&instance).send().await.unwrap();
    let rule = json!({"channel_id": app.channel_id, "name": "Ops", "instance_id": ACME,
                      "filters": {"events": ["event_created"], "projects": ["OPS"], "issue_types": ["10004"]}});
    let created = app.api(Method::POST, "/subscriptions").json(&rule).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let (status, replayed) = call(&app, Method::POST, &format!("/events/{id}/replay")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(replayed["deliveries"].as_array().unwrap().len(), 1);
    app.deliver().await;
    let posted = app.channel_posts().into_iter().filter(|p| p.props.get("jirabridge_delivery_id").is_some()).count();
    assert_eq!(posted, 1);
    let (_, detail) = call(&app, Method::GET, &format!("/events/{id}")).await;
    assert_eq!((detail["status"].as_str(), detail["instance_id"].as_str()), (Some("routed"), Some(ACME)));
}

#[tokio::test]
async fn dead_deliveries_are_listed_and_retried_now() {
    let app = spawn_app().await;
    app.mm.set_bot_member(&app.channel_id, false);
    app.post_legacy(issue_created("OPS-3")).await;
    app.deliver().await;
    let (status, dead) = call(&app, Method::GET, "/deliveries?state=dead").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dead.as_array().unwrap().len(), 1, "{dead}");
    assert!(dead[0]["last_error"].as_str().unwrap().contains("may not post"), "{dead}");
    assert_eq!(dead[0]["due_at_ms"], Value::Null, "finished");
    let id = dead[0]["id"].as_u64().unwrap();

    app.mm.set_bot_member(&app.channel_id, true);
    let (status, retried) = call(&app, Method::POST, &format!("/deliveries/{id}/retry")).await;
    assert_eq!((status, retried["state"].as_str()), (StatusCode::ACCEPTED, Some("retrying")));
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1);
    let (_, done) = call(&app, Method::GET, "/deliveries?state=done").await;
    assert_eq!(ids(&done), [id]);
    assert_eq!(done[0]["channel_display"], "eng / jira-feed", "the channel by name: {done}");
    assert_eq!(call(&app, Method::POST, &format!("/deliveries/{id}/retry")).await.0, StatusCode::CONFLICT);
    assert_eq!(call(&app, Method::POST, "/deliveries/424242/retry").await.0, StatusCode::NOT_FOUND);
    let (status, error) = call(&app, Method::GET, "/deliveries?state=lost").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["fields"]["state"].as_str().unwrap().contains("pending"), "{error}");
}

fn legacy_url_with(app: &TestApp, secret: &str) -> String {
    format!("{}/webhook?secret={secret}&team={TEAM}&channel={CHANNEL}", app.address)
}

#[tokio::test]
async fn the_webhook_secret_is_regenerated_and_the_old_one_works_for_the_grace_period() {
    let app = spawn_app_with(|c| c.webhook.secret = Secret::default()).await;
    let first = app.state.accepted_secrets().current;
    let (status, new) = call(&app, Method::POST, "/secrets/webhook").await;
    assert_eq!(status, StatusCode::OK, "{new}");
    let second = new["secret"].as_str().unwrap().to_string();
    assert!(new["previous_valid_until"].as_u64().unwrap() > now_ms() + 23 * 3_600_000);
    for secret in [&first, &second] {
        let response = app.post(&legacy_url_with(&app, secret), issue_created(&format!("OPS-{}", secret.len()))).await;
        assert_eq!(response.status(), StatusCode::OK, "{secret} should work");
    }

    let patched = app.api(Method::PATCH, "/settings").json(&json!({"webhook.secret_grace_hours": 0})).send().await;
    assert_eq!(patched.unwrap().status(), StatusCode::OK);
    let (_, newest) = call(&app, Method::POST, "/secrets/webhook").await;
    for gone in [&first, &second] {
        let response = app.post(&legacy_url_with(&app, gone), issue_created("OPS-77")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let third = newest["secret"].as_str().unwrap();
    assert_eq!(app.post(&legacy_url_with(&app, third), issue_created("OPS-78")).await.status(), StatusCode::OK);

    let audit = serde_json::to_string(
        &app.state.store.audit_entries(0, 10).unwrap().iter().map(|a| format!("{a:?}")).collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(audit.contains("secret.webhook.regenerate"));
    assert!(
        ![&first, &second, &third.to_string()].iter().any(|s| audit.contains(s.as_str())),
        "a secret reached the audit log"
    );
    let (status, error) = call(&app, Method::PATCH, "/settings").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let typed = app.api(Method::PATCH, "/settings").json(&json!({"webhook.secret": "typed-in-secret"})).send().await;
    let error: Value = typed.unwrap().json().await.unwrap();
    assert!(error["error"]["fields"]["webhook.secret"].as_str().unwrap().contains("regenerate"), "{error}");
}

#[tokio::test]
async fn secrets_set_in_the_configuration_cannot_be_regenerated() {
    let app = spawn_app().await;
    for path in ["/secrets/webhook", "/secrets/admin-token"] {
        let (status, error) = call(&app, Method::POST, path).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}");
        assert!(error["error"]["message"].as_str().unwrap().contains("set in file"), "{error}");
    }
}

#[tokio::test]
async fn a_regenerated_admin_token_replaces_the_old_one_at_once() {
    let app = spawn_app_with(|c| c.admin.api_token = Secret::default()).await;
    let state = &app.state;
    let first = jirabridge::secrets::admin_token::regenerate(
        &state.settings,
        &state.store,
        &state.master_key,
        &state.admin_token_hash,
        "test",
        now_ms(),
    )
    .unwrap();
    let with = |token: &str| {
        app.http.post(format!("{}/api/v1/secrets/admin-token", app.address)).bearer_auth(token.to_string())
    };
    assert_eq!(
        app.api(Method::GET, "/status").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "{ADMIN_TOKEN} is not it"
    );
    let answer: Value = with(&first).send().await.unwrap().json().await.unwrap();
    let second = answer["token"].as_str().unwrap();
    assert_ne!(second, first);
    assert_eq!(with(&first).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let status = app.http.get(format!("{}/api/v1/status", app.address)).bearer_auth(second).send().await.unwrap();
    assert_eq!(status.status(), StatusCode::OK);
}

#[tokio::test]
async fn status_render_and_audit() {
    let app = spawn_app().await;
    app.post_legacy(issue_created("OPS-5")).await;
    let (status, report) = call(&app, Method::GET, "/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((report["store"].as_str(), report["mattermost"].as_str()), (Some("ok"), Some("ok")));
    assert_eq!(report["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!((report["outbox"]["pending"].as_u64(), report["jira"]["instances"].as_u64()), (Some(1), Some(0)));

    let rendered = app.api(Method::POST, "/render").body(own("cloud-issue-created.json")).send().await.unwrap();
    let rendered: Value = rendered.json().await.unwrap();
    assert_eq!(rendered["events"], json!(["event_created"]));
    assert!(rendered["posts"][0]["props"]["attachments"][0]["pretext"].as_str().unwrap().contains("OPS-12"));
    let (status, error) = {
        let response = app.api(Method::POST, "/render").body("{not json").send().await.unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("validation_failed")));
    assert_eq!(app.state.store.event_count(), 1, "render stores nothing");

    app.api(Method::POST, "/instances?skip_check=true").json(&json!({"url": ACME})).send().await.unwrap();
    let (_, audit) = call(&app, Method::GET, "/audit?limit=1").await;
    assert_eq!(audit[0]["action"], "instance.add");
    assert_eq!(audit[0]["after"]["id"], ACME, "before and after are JSON");
    let (_, later) = call(&app, Method::GET, &format!("/audit?since={}", now_ms() + 60_000)).await;
    assert_eq!(later, json!([]));
}

/// SPEC §3.5: the status tells whether each Jira instance answers (SPEC §7.2's `/status`
/// check, remembered for a minute); push-only mode never asks.
#[tokio::test]
async fn the_status_says_which_jira_instances_answer() {
    use crate::support::fake_jira::FakeJira;
    let (up, down) = (FakeJira::start().await, FakeJira::start().await);
    down.stop().await;
    let app = spawn_app().await;
    for jira in [&up, &down] {
        let instance = json!({"url": jira.url, "type": "server"});
        let added = app.api(Method::POST, "/instances?skip_check=true").json(&instance).send().await.unwrap();
        assert_eq!(added.status(), StatusCode::CREATED);
    }
    let (_, report) = call(&app, Method::GET, "/status").await;
    assert_eq!(report["jira"]["reachable"], json!({&up.url: "ok", &down.url: "unreachable"}), "{report}");
    call(&app, Method::GET, "/status").await;
    let checks = up.requests().iter().filter(|r| r.ends_with("/status")).count();
    assert_eq!(checks, 1, "remembered: {:?}", up.requests());
    app.shutdown().await;

    let push_only = crate::support::app::spawn_app_with(|c| c.jira.push_only = true).await;
    let instance = json!({"url": up.url, "type": "server"});
    push_only.api(Method::POST, "/instances?skip_check=true").json(&instance).send().await.unwrap();
    let (_, report) = call(&push_only, Method::GET, "/status").await;
    assert_eq!(report["jira"]["reachable"], json!({&up.url: "not_contacted"}), "{report}");
    push_only.shutdown().await;
}
