//! The one Jira client's rules: refused names, modes and addresses, and typed errors.

use super::*;

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused() {
    let name: Name = "localhost".parse().unwrap();
    let refused = match CheckedResolver.resolve(name).await {
        Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
        Err(e) => e.to_string(),
    };
    assert!(refused.contains("jira.allow_loopback"), "{refused}");
}

#[tokio::test]
async fn push_only_and_loopback_calls_are_refused_before_anything_is_sent() {
    let client = |loopback, push_only| JiraClient::new(loopback, push_only, Duration::from_secs(1), Metrics::new());
    let refused = |e: JiraError| match e {
        JiraError::Refused(why) => why,
        other => panic!("{other:?}"),
    };
    let push_only = client(false, true).get_json("https://jira.example.com/status", &[], None).await;
    assert!(refused(push_only.unwrap_err()).contains("push-only"));
    let loopback = client(false, false).get_json("http://127.1:8080/status", &[], None).await;
    assert!(refused(loopback.unwrap_err()).contains("allow_loopback"));
    assert!(client(false, false).request("https://jira.example.com/status", Duration::from_secs(1)).is_ok());
    assert!(client(true, false).request("http://127.0.0.1:8080/status", Duration::from_secs(1)).is_ok());
}

#[test]
fn statuses_become_typed_errors() {
    let mut headers = reqwest::header::HeaderMap::new();
    assert_eq!(error_of(401, &headers), JiraError::Unauthorized);
    assert_eq!(error_of(403, &headers), JiraError::Forbidden);
    assert_eq!(error_of(404, &headers), JiraError::NotFound);
    assert_eq!(error_of(429, &headers), JiraError::RateLimited { retry_after: None });
    headers.insert("retry-after", "7".parse().unwrap());
    assert_eq!(error_of(429, &headers), JiraError::RateLimited { retry_after: Some(Duration::from_secs(7)) });
    assert!(matches!(error_of(503, &headers), JiraError::Unreachable(_)));
    assert!(matches!(error_of(400, &headers), JiraError::Invalid(_)));
}

#[test]
fn jira_error_bodies_become_one_sentence() {
    let body =
        r#"{"errorMessages": ["Issue does not exist."], "errors": {"summary": "is required.", "priority": "bad"}}"#;
    assert_eq!(error_sentence(body), "Issue does not exist.; priority: bad; summary: is required.");
    let oauth = r#"{"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}"#;
    assert_eq!(error_sentence(oauth), "invalid_grant: Unknown or invalid refresh token.");
    assert_eq!(error_sentence(r#"{"error": "access_denied"}"#), "access_denied");
    for unreadable in ["", "<html>Bad Request</html>", "{}", r#"{"errors": {}}"#] {
        assert_eq!(error_sentence(unreadable), "Jira answered 400", "{unreadable}");
    }
}
