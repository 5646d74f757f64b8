//! The install check of SPEC §7.2: `GET <url>/status` must answer 200 `{"state":"RUNNING"}`.

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
