//! Which channels a firehose event goes to: the instance's matching subscriptions, one
//! target per channel. Shared by the webhook and by replay.

use super::ingest::ChannelTarget;
use crate::config::Config;
use crate::jira::instance::InstanceType;
use crate::jira::payload::Payload;
use crate::store::records::InstanceRecordV1;
use crate::subscriptions::facts::IssueFacts;
use crate::subscriptions::matching::MatchSettings;
use crate::subscriptions::SubscriptionIndex;

/// The matching settings in force.
pub fn match_settings(config: &Config) -> MatchSettings {
    MatchSettings {
        security_level_empty: config.security.security_level_empty_for_subscriptions,
        restricted_comments_to_channels: config.security.restricted_comments_to_channels,
    }
}

/// One target per channel whose subscriptions match, named after its first matching
/// subscription (they come in name order).
pub fn channel_targets(
    index: &SubscriptionIndex,
    instance: &InstanceRecordV1,
    payload: &Payload,
    events: &[String],
    settings: MatchSettings,
) -> Vec<ChannelTarget> {
    let is_cloud = instance.instance_type == InstanceType::Cloud.as_str();
    let facts = IssueFacts::from_payload(payload, is_cloud);
    let mut targets: Vec<ChannelTarget> = Vec::new();
    for subscription in index.matching(&instance.id, events, &facts, settings) {
        if !targets.iter().any(|t| t.channel_id == subscription.channel_id) {
            let channel_id = subscription.channel_id.clone();
            targets.push(ChannelTarget { channel_id, subscription_name: subscription.name.clone() });
        }
    }
    targets
}
