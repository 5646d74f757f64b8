//! The note a channel gets when its subscriptions change, as the plugin posted one.

use crate::ids::ChannelId;
use crate::mattermost::{MattermostClient, NewPost};

/// Tells the channel what changed; best effort, in the background (the change is saved
/// whether or not the note is posted).
pub fn announce(mattermost: &MattermostClient, channel_id: &ChannelId, message: &str) {
    let client = mattermost.clone();
    let post = NewPost { channel_id: channel_id.clone(), message: message.to_string(), ..NewPost::default() };
    tokio::spawn(async move {
        if let Err(e) = client.create_post(&post).await {
            tracing::warn!(error = %e, "could not tell the channel about the subscription change");
        }
    });
}
