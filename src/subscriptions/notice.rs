//! The note a channel gets when its subscriptions change, as the plugin posted one.

use crate::mattermost::MattermostClient;

/// Tells the channel what changed; best effort, in the background (the change is saved
/// whether or not the note is posted).
pub fn announce(mattermost: &MattermostClient, channel_id: &str, message: &str) {
    let client = mattermost.clone();
    let body = serde_json::json!({ "channel_id": channel_id, "message": message });
    tokio::spawn(async move {
        if let Err(e) = client.create_post(&body).await {
            tracing::warn!(error = %e, "could not tell the channel about the subscription change");
        }
    });
}
