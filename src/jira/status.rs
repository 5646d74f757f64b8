//! The install check of SPEC §7.2: `GET <url>/status` must answer 200 `{"state":"RUNNING"}`.

use std::time::Duration;

/// True when Jira at `base_url` reports that it is running.
pub async fn is_running(base_url: &str, timeout: Duration) -> bool {
    let Ok(client) = reqwest::Client::builder().timeout(timeout).build() else { return false };
    let Ok(response) = client.get(format!("{base_url}/status")).send().await else { return false };
    if !response.status().is_success() {
        return false;
    }
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    body.get("state").and_then(|s| s.as_str()) == Some("RUNNING")
}
