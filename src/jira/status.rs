//! The install check of SPEC §7.2: `GET <url>/status` must answer 200 `{"state":"RUNNING"}`.

use std::time::Duration;

use super::client::JiraClient;

/// True when Jira at `base_url` reports that it is running. Redirects are followed only
/// within the same origin, and refused addresses count as not running (see `client`).
pub async fn is_running(client: &JiraClient, base_url: &str, timeout: Duration) -> bool {
    let request = match client.get(&format!("{base_url}/status"), timeout) {
        Ok(request) => request,
        Err(refused) => {
            tracing::info!(%refused, "Jira install check not made");
            return false;
        }
    };
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => {
            // The source chain says why (a name resolving only to refused addresses, too).
            let why = std::iter::successors(std::error::Error::source(&e), |s| s.source())
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ");
            tracing::info!(error = %e, %why, "Jira install check failed");
            return false;
        }
    };
    if !response.status().is_success() {
        return false;
    }
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    body.get("state").and_then(|s| s.as_str()) == Some("RUNNING")
}
