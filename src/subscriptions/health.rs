//! Broken subscriptions (SPEC §4.6): when Mattermost refuses a channel for good (archived,
//! deleted, bot removed), the subscriptions routing to it are marked `broken` with the
//! reason — visible and counted, never deleted — and become `active` again after a later
//! successful post there or an edit.

use crate::delivery::worker::ChannelHealth;
use crate::ids::ChannelId;
use crate::store::records::SubscriptionState;
use crate::store::{Store, StoreError};

/// Marks a channel's subscriptions from delivery outcomes.
pub struct SubscriptionHealth {
    pub store: Store,
}

impl SubscriptionHealth {
    fn set_state(&self, channel_id: &ChannelId, broken_reason: Option<&str>) -> Result<(), StoreError> {
        let state = if broken_reason.is_some() { SubscriptionState::Broken } else { SubscriptionState::Active };
        for id in self.store.subscription_ids_in_channel(channel_id)? {
            let Some(mut record) = self.store.subscription(&id)? else { continue };
            if record.state != state {
                record.state = state;
                record.broken_reason = broken_reason.map(str::to_string);
                self.store.put_subscription(&record)?;
                tracing::warn!(subscription = %record.id, name = %record.name, %channel_id, state = state.as_str(), "subscription state changed");
            }
        }
        Ok(())
    }
}

impl ChannelHealth for SubscriptionHealth {
    fn channel_refused(&self, channel_id: &ChannelId, reason: &str) {
        if let Err(e) = self.set_state(channel_id, Some(reason)) {
            tracing::error!(error = %e, %channel_id, "could not mark the channel's subscriptions as broken");
        }
    }

    fn channel_accepted(&self, channel_id: &ChannelId) {
        if let Err(e) = self.set_state(channel_id, None) {
            tracing::error!(error = %e, %channel_id, "could not mark the channel's subscriptions as active");
        }
    }
}
