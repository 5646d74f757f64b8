//! The admin JSON API as a script would use it (SPEC §3.5, §7).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app, spawn_app_with, ADMIN_TOKEN};

async fn body(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_call_needs_the_admin_token() {
    let app = spawn_app().await;
    let anonymous = app.http.get(format!("{}/api/v1/instances", app.address)).send().await.unwrap();
    let (status, error) = body(anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error["error"]["code"], "unauthorized");
    let wrong = app.http.get(format!("{}/api/v1/instances", app.address)).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let lower = app
        .http
        .get(format!("{}/api/v1/instances", app.address))
        .header("authorization", format!("bearer {ADMIN_TOKEN}"));
    assert_eq!(lower.send().await.unwrap().status(), StatusCode::OK, "the scheme's case does not matter");
}

/// Mistakes in a request get the API's JSON errors with the right status, never a page or
/// the framework's own words.
#[tokio::test]
async fn malformed_requests_get_json_errors() {
    let app = spawn_app().await;
    let (status, error) = body(app.api(Method::GET, "/no-such-thing").send().await.unwrap()).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, error) = body(app.api(Method::DELETE, "/settings").send().await.unwrap()).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    // SPEC §3: a wrong method is 405 with `Allow`.
    for (method, path, allow) in
        [(Method::DELETE, "/settings", "GET, PATCH"), (Method::POST, "/subscriptions/x", "GET, PUT, DELETE")]
    {
        let refused = app.api(method, path).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(refused.headers().get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{path}");
    }
    let anonymous = app.http.delete(format!("{}/api/v1/settings", app.address)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "the token is checked first");
    let (status, error) = body(app.api(Method::GET, "/events/abc").send().await.unwrap()).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert!(!error.to_string().contains("deserialize"), "{error}");
    let huge = format!("{{\"log.level\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let request = app.api(Method::PATCH, "/settings").header("content-type", "application/json").body(huge);
    let (status, error) = body(request.send().await.unwrap()).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    let request = app.api(Method::PATCH, "/settings").header("content-type", "application/json").body("{not json");
    let (status, error) = body(request.send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["message"].as_str().unwrap().starts_with("invalid JSON body: "), "{error}");
    let with_password = json!({"url": "https://user:pass@jira.example.com", "type": "server"});
    let (status, error) =
        body(app.api(Method::POST, "/instances?skip_check=true").json(&with_password).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(error.to_string().contains("user name or password"), "{error}");
    assert!(!error.to_string().contains("pass@"), "the credentials are not echoed: {error}");
}

#[tokio::test]
async fn instances_are_added_listed_found_and_removed() {
    let app = spawn_app().await;
    let request = json!({"url": "jira.example.com/", "type": "server", "alias": "corp"});
    let (status, created) =
        body(app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["id"], "https://jira.example.com");
    assert_eq!(created["type"], "server");
    assert_eq!(created["alias"], "corp");
    assert_eq!(created["is_default"], true, "the first instance is the default");
    let hook = created["webhook_urls"]["subscriptions"].as_str().unwrap();
    assert!(hook.contains("/instance/aHR0cHM6Ly9qaXJhLmV4YW1wbGUuY29t/api/v2/webhook"), "{hook}");

    let (_, list) = body(app.api(Method::GET, "/instances").send().await.unwrap()).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    for reference in ["corp", "aHR0cHM6Ly9qaXJhLmV4YW1wbGUuY29t"] {
        let (status, found) =
            body(app.api(Method::GET, &format!("/instances/{reference}")).send().await.unwrap()).await;
        assert_eq!((status, found["id"].as_str()), (StatusCode::OK, Some("https://jira.example.com")));
    }
    let again = app
        .api(Method::POST, "/instances?skip_check=true")
        .json(&json!({"url": "https://jira.example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);

    assert_eq!(app.api(Method::DELETE, "/instances/corp").send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let (status, gone) = body(app.api(Method::GET, "/instances/corp").send().await.unwrap()).await;
    assert_eq!((status, gone["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let audit = app.state.store.audit_entries(0, 10).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["instance.remove", "instance.add"]);
    assert_eq!(audit[0].actor, "api");
}

#[tokio::test]
async fn invalid_instances_are_400_with_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({"url": "https://acme.atlassian.net", "type": "server"}), "type", "refers to Jira Cloud"),
        (json!({"url": "https://jira.corp", "type": "cloud"}), "type", "instead of a Jira Cloud URL"),
        (json!({"url": "https://"}), "url", "no hostname"),
        (json!({"url": "https://jira.corp", "alias": "my jira"}), "alias", "without spaces"),
    ];
    for (request, field, text) in cases {
        let (status, error) =
            body(app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}");
        assert_eq!(error["error"]["code"], "validation_failed");
        assert!(error["error"]["fields"][field].as_str().unwrap().contains(text), "{error}");
    }
}

#[tokio::test]
async fn an_unreachable_jira_is_502_unless_skipped_or_push_only() {
    let app = spawn_app().await;
    let request = json!({"url": "http://127.0.0.1:9/jira", "type": "server"});
    let (status, error) = body(app.api(Method::POST, "/instances").json(&request).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(error["error"]["code"], "jira_unreachable");

    let push_only = spawn_app_with(|c| c.jira.push_only = true).await;
    let response = push_only.api(Method::POST, "/instances").json(&request).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "push-only mode never asks Jira");
}

#[tokio::test]
async fn a_malformed_body_gets_a_json_error() {
    let app = spawn_app().await;
    let response = app
        .api(Method::POST, "/instances")
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    let (status, error) = body(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["code"], "validation_failed");
    assert!(error["error"]["message"].as_str().unwrap().starts_with("invalid JSON body"));
}

#[tokio::test]
async fn aliases_default_and_v2_legacy_are_patched() {
    let app = spawn_app().await;
    for url in ["https://jira.one.example", "https://jira.two.example"] {
        app.api(Method::POST, "/instances?skip_check=true").json(&json!({"url": url})).send().await.unwrap();
    }
    let two = "aHR0cHM6Ly9qaXJhLnR3by5leGFtcGxl";
    let (status, patched) = body(
        app.api(Method::PATCH, &format!("/instances/{two}"))
            .json(&json!({"alias": "two", "is_default": true, "is_v2_legacy": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!((patched["alias"].as_str(), patched["is_default"].as_bool()), (Some("two"), Some(true)));
    let (_, one) =
        body(app.api(Method::GET, "/instances/aHR0cHM6Ly9qaXJhLm9uZS5leGFtcGxl").send().await.unwrap()).await;
    assert_eq!(one["is_default"], false, "only one default");
    let (status, error) =
        body(app.api(Method::PATCH, "/instances/two").json(&json!({"alias": "has space"})).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["fields"]["alias"].as_str().unwrap().contains("without spaces"));
    let unknown_field = app.api(Method::PATCH, "/instances/two").json(&json!({"colour": "red"})).send().await.unwrap();
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_address_outside_allow_from_gets_the_json_forbidden_error() {
    let app = spawn_app_with(|c| c.admin.allow_from = vec!["10.0.0.0/8".into()]).await;
    let (status, error) = body(app.api(Method::GET, "/settings").send().await.unwrap()).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{error}");
    let page = app.get("/admin/login").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(page.text().await.unwrap().contains("admin.allow_from"), "the console answers in words");
}

/// The catalogue (SPEC §3.5, §6.9) learns names from the payloads an instance sent, without
/// asking Jira (push-only), and stays per instance.
#[tokio::test]
async fn the_catalogue_names_what_the_payloads_showed() {
    let app = spawn_app_with(|c| c.jira.push_only = true).await;
    let request = json!({"url": "https://jira.corp.example", "type": "server", "alias": "corp"});
    let (status, _) = body(app.api(Method::POST, "/instances").json(&request).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, empty) = body(app.api(Method::GET, "/catalog/corp").send().await.unwrap()).await;
    assert_eq!((status, &empty["projects"]), (StatusCode::OK, &json!([])));

    let payload = include_str!("fixtures/server-issue-created-wiki-markup.json");
    let url = format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET);
    assert_eq!(app.post(&url, payload).await.status(), StatusCode::OK);
    let (_, learned) = body(app.api(Method::GET, "/catalog/corp").send().await.unwrap()).await;
    let projects = learned["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{learned}");
    assert_eq!((projects[0]["id"].as_str(), projects[0]["name"].as_str()), (Some("WEB"), Some("Website")));
    assert_eq!(projects[0]["source"], "seen");
    let (status, _) = body(app.api(Method::GET, "/catalog/nope").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
