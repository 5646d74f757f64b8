//! Which Jira addresses jirabridge calls (SPEC §2.2 `jira.allow_loopback`): instance URLs at
//! loopback, unspecified or link-local addresses are refused in every spelling, unless the
//! key allows them; the install check follows redirects only within the same origin, so
//! its answer cannot map this host's internal ports.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app, spawn_app_with, TestApp};
use crate::support::fake_jira::FakeJira;

async fn add_instance(app: &TestApp, url: &str, skip_check: bool) -> (StatusCode, Value) {
    let path = if skip_check { "/instances?skip_check=true" } else { "/instances" };
    let response = app.api(Method::POST, path).json(&json!({"url": url, "type": "server"})).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn loopback_and_link_local_instance_urls_are_refused_naming_the_key() {
    let app = spawn_app_with(|c| c.jira.allow_loopback = false).await;
    let jira = FakeJira::start().await;
    let refused = [
        jira.url.clone(),
        "http://127.1:8080".into(),
        "http://2130706433".into(),
        "http://0x7f000001".into(),
        "http://localhost:8080".into(),
        "http://[::1]:8080".into(),
        "http://0.0.0.0".into(),
        "http://169.254.169.254".into(),
    ];
    for url in refused {
        for skip_check in [false, true] {
            let (status, body) = add_instance(&app, &url, skip_check).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
            assert!(body.to_string().contains("jira.allow_loopback"), "{url}: {body}");
        }
    }
    assert!(jira.requests().is_empty(), "nothing was asked: {:?}", jira.requests());
    let (status, _) = add_instance(&app, "https://jira.example.com", true).await;
    assert_eq!(status, StatusCode::CREATED, "an ordinary URL is still taken");
    app.shutdown().await;
    jira.stop().await;
}

#[tokio::test]
async fn the_install_check_follows_redirects_only_within_the_same_origin() {
    let app = spawn_app().await; // the tests' configuration allows loopback for the fakes
    let jira = FakeJira::start().await;
    let elsewhere = FakeJira::start().await;

    jira.redirect_status_to(&format!("{}/status", elsewhere.url));
    let (status, body) = add_instance(&app, &jira.url, false).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "a redirect to another port is not followed: {body}");
    assert_eq!(body["error"]["code"], "jira_unreachable", "{body}");
    assert!(elsewhere.requests().is_empty(), "the other port was never asked: {:?}", elsewhere.requests());

    jira.redirect_status_to(&format!("{}/moved/status", jira.url));
    let (status, body) = add_instance(&app, &jira.url, false).await;
    assert_eq!(status, StatusCode::CREATED, "a redirect within the same origin is followed: {body}");
    app.shutdown().await;
    jira.stop().await;
    elsewhere.stop().await;
}

/// SPEC §7.2: only 200 `{"state":"RUNNING"}` passes the install check; a Jira in maintenance
/// is refused with the plugin's sentence, and taken once it runs again.
#[tokio::test]
async fn a_jira_that_is_not_running_fails_the_install_check() {
    let app = spawn_app().await;
    let jira = FakeJira::start().await;
    for state in ["MAINTENANCE", "FIRST_RUN"] {
        jira.set_state(Some(state));
        let (status, body) = add_instance(&app, &jira.url, false).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{state}: {body}");
        assert_eq!(body["error"]["code"], "jira_unreachable", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("we couldn't validate the connection"), "{body}");
        assert!(app.state.store.instances().unwrap().is_empty(), "nothing stored");
    }

    jira.set_state(None);
    let (status, body) = add_instance(&app, &jira.url, false).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.shutdown().await;
    jira.stop().await;
}

/// SPEC §3.2: an un-prefixed firehose webhook goes to the instance whose URL starts its
/// links; with `…/jira` and `…/jira/eng` both installed, `…/jira/eng`'s own events go there.
#[tokio::test]
async fn a_webhook_goes_to_the_longest_instance_url_its_links_start_with() {
    let app = spawn_app().await;
    for url in ["https://jira.example.com/jira", "https://jira.example.com/jira/eng"] {
        assert_eq!(add_instance(&app, url, true).await.0, StatusCode::CREATED, "{url}");
    }
    let payload = json!({"timestamp": 1_700_000_000_000u64, "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created", "user": {"name": "carol"},
        "issue": {"id": "10", "key": "ENG-1", "self": "https://jira.example.com/jira/eng/rest/api/2/issue/10",
            "fields": {"summary": "s", "issuetype": {"id": "1", "name": "Bug"}, "project": {"key": "ENG"}}}});
    let url = format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET);
    assert_eq!(app.post(&url, payload.to_string()).await.status(), StatusCode::OK);
    let events: Value = app.api(Method::GET, "/events").send().await.unwrap().json().await.unwrap();
    assert_eq!(events[0]["instance_id"], "https://jira.example.com/jira/eng", "{events}");
    app.shutdown().await;
}
