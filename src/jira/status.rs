//! The install check of SPEC §7.2: `GET <url>/status` must answer 200 `{"state":"RUNNING"}`;
//! and the version `serverInfo` reports.

use std::time::Duration;

use super::client::JiraClient;
use crate::ids::InstanceId;

/// True when Jira at `base_url` reports that it is running. Redirects are followed only
/// within the same origin, and refused addresses count as not running (see `client`).
pub async fn is_running(client: &JiraClient, base_url: &InstanceId, timeout: Duration) -> bool {
    match client.get_json_within(&format!("{base_url}/status"), &[], None, timeout).await {
        Ok(body) => body.get("state").and_then(|s| s.as_str()) == Some("RUNNING"),
        Err(why) => {
            tracing::info!(reason = %why, "Jira install check failed");
            false
        }
    }
}

/// The version `GET <url>/rest/api/2/serverInfo` reports (it picks the createmeta call), if
/// Jira answers it without credentials.
pub async fn server_version(client: &JiraClient, base_url: &InstanceId, timeout: Duration) -> Option<String> {
    let url = format!("{base_url}/rest/api/2/serverInfo");
    match client.get_json_within(&url, &[], None, timeout).await {
        Ok(body) => body.get("version").and_then(|v| v.as_str()).map(str::to_string),
        Err(why) => {
            tracing::info!(reason = %why, "Jira did not tell its version");
            None
        }
    }
}
