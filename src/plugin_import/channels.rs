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
    let verb = if dry_run { "would be" } else { "are" };
    for channel in report.subscription_channels.clone() {
        let id = ChannelId::unchecked(&channel);
        let why = match mattermost.channel(&id).await {
            Err(MmError::Status { status: 404, .. }) => format!("Mattermost has no channel {id}"),
            // A private channel the bot is not a member of answers 403.
            Err(MmError::Status { status: 403, .. }) => format!(
                "the bot may not see channel {id} (add the bot to it: they work again with their next post there)"
            ),
            _ => continue,
        };
        report.warnings.push(format!("{why}: its subscriptions {verb} broken"));
        missing.push(id);
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
