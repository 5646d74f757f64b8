//! Imported subscriptions whose channel Mattermost reports gone (404, or 403: the bot may
//! not see it) are marked `broken` ("channel not found"), as a failed post would mark them
//! (issue 19 point 5). Both the API's import and the command line's ask Mattermost; the
//! command line only when it is configured to reach it.

use super::report::Report;
use crate::ids::ChannelId;
use crate::mattermost::{MattermostClient, MmError};
use crate::store::{Store, StoreError};

/// The channels of the report's subscriptions that Mattermost says are gone; each is
/// named in the report's warnings.
pub async fn missing(mattermost: &MattermostClient, report: &mut Report, dry_run: bool) -> Vec<ChannelId> {
    let mut missing = Vec::new();
    for channel in &report.subscription_channels {
        let id = ChannelId::unchecked(channel);
        if let Err(MmError::Status { status: 403 | 404, .. }) = mattermost.channel(&id).await {
            missing.push(id);
        }
    }
    let verb = if dry_run { "would be" } else { "are" };
    for id in &missing {
        report.warnings.push(format!(
            "Mattermost has no channel {id} (or the bot may not see it): its subscriptions {verb} broken"
        ));
    }
    missing
}

/// Marks the subscriptions of `channels` broken (call it in `Store::run` or offline).
pub fn mark_broken(store: &Store, channels: &[ChannelId]) -> Result<(), StoreError> {
    let health = crate::subscriptions::health::SubscriptionHealth { store: store.clone() };
    for id in channels {
        crate::delivery::worker::ChannelHealth::channel_refused(&health, id, "channel not found");
    }
    Ok(())
}
