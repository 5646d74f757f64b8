//! Issues read from Jira's REST API (SPEC §12.2): `GET /rest/api/2/issue/{key}`, for the
//! fields a Jira Cloud comment webhook leaves out (SPEC §4.5).

use std::time::Duration;

use serde_json::{Map, Value};

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};

/// The issue's `fields` as Jira answers them now, or why they could not be had. `issue` is
/// the issue id or key from a webhook; it becomes one path segment, so whatever it holds
/// cannot reach another path. `base` is the instance, or the gateway for OAuth 2.0;
/// `only` names the fields wanted (empty: all).
pub async fn fields(
    client: &JiraClient,
    (base, issue): (&str, &str),
    only: &str,
    auth: &JiraAuth,
    timeout: Duration,
) -> Result<Map<String, Value>, JiraError> {
    let url = super::rest::api_url(base, &["issue", issue])?;
    let query: &[(&str, &str)] = if only.is_empty() { &[] } else { &[("fields", only)] };
    match client.get_json_within(&url, query, Some(auth), timeout).await? {
        Value::Object(mut issue) => match issue.remove("fields") {
            Some(Value::Object(fields)) => Ok(fields),
            _ => Err(JiraError::Invalid("the answer names no issue fields".into())),
        },
        _ => Err(JiraError::Invalid("the answer is not an issue".into())),
    }
}
