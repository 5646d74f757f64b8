//! Issues read from Jira's REST API (SPEC §12.2): `GET /rest/api/2/issue/{key}`, for the
//! fields a Jira Cloud comment webhook leaves out (SPEC §4.5).

use std::time::Duration;

use serde_json::{Map, Value};

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};
use crate::ids::InstanceId;

/// The issue's `fields` as Jira answers them now, or why they could not be had. `issue` is
/// the issue id or key from a webhook; it becomes one path segment, so whatever it holds
/// cannot reach another path.
pub async fn fields(
    client: &JiraClient,
    base: &InstanceId,
    issue: &str,
    auth: &JiraAuth,
    timeout: Duration,
) -> Result<Map<String, Value>, JiraError> {
    let url = super::rest::api_url(base.as_str(), &["issue", issue])?;
    match client.get_json_within(&url, &[], Some(auth), timeout).await? {
        Value::Object(mut issue) => match issue.remove("fields") {
            Some(Value::Object(fields)) => Ok(fields),
            _ => Err(JiraError::Invalid("the answer names no issue fields".into())),
        },
        _ => Err(JiraError::Invalid("the answer is not an issue".into())),
    }
}
