//! Issues read from Jira's REST API (SPEC §12.2): `GET /rest/api/2/issue/{key}`, for the
//! fields a Jira Cloud comment webhook leaves out (SPEC §4.5).

use std::time::Duration;

use serde_json::{Map, Value};

use super::client::JiraClient;
use super::users::JiraAuth;

/// The issue's `fields` as Jira answers them now, or why they could not be had. `issue` is
/// the issue id or key from a webhook; it becomes one path segment, so whatever it holds
/// cannot reach another path.
pub async fn fields(
    client: &JiraClient,
    base: &str,
    issue: &str,
    auth: &JiraAuth,
    timeout: Duration,
) -> Result<Map<String, Value>, String> {
    let mut url = url::Url::parse(base).map_err(|e| format!("{base} is not a URL: {e}"))?;
    url.path_segments_mut()
        .map_err(|()| format!("{base} cannot take a path"))?
        .pop_if_empty()
        .extend(["rest", "api", "2", "issue", issue]);
    let response = client
        .get(url.as_str(), timeout)?
        .header("Authorization", auth.header())
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("Jira did not answer: {e}"))?;
    match response.status().as_u16() {
        200 => {
            let issue: Value = response.json().await.map_err(|e| format!("Jira's answer is not JSON: {e}"))?;
            match issue.get("fields") {
                Some(Value::Object(fields)) => Ok(fields.clone()),
                _ => Err("Jira's answer names no issue fields".into()),
            }
        }
        status => Err(format!("Jira answered {status}")),
    }
}
