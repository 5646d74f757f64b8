//! Which channels a firehose event goes to: the instance's matching subscriptions, one
//! target per channel. Shared by the webhook and by replay.
//!
//! Jira Cloud's comment events name few of the issue's fields and no security level (SPEC
//! §4.5). They are routed with the issue's fields read from Jira, which are then kept as
//! its facts, or else with the facts the last full payload (or read) of that issue showed;
//! with none, the security level is unknown and the comment goes to no subscription
//! channel.

use super::ChannelTarget;
use crate::jira::instance::InstanceType;
use crate::jira::payload::Payload;
use crate::store::records::{InstanceRecordV1, IssueFactsRecordV1};
use crate::store::NewIssueFacts;
use crate::subscriptions::facts::IssueFacts;
pub use crate::subscriptions::facts::{issue_id, partial_cloud_comment};
use crate::subscriptions::matching::MatchSettings;
use crate::subscriptions::SubscriptionIndex;

/// The event log's word for a comment whose issue's security level nobody told.
pub const SECURITY_UNKNOWN: &str = "security level unknown";
/// The event log's note for a comment routed with its issue's fields read from Jira.
pub const FROM_JIRA: &str = "enriched from Jira";

/// Whether the payload names too little of its issue to be routed alone: a Jira Cloud
/// `comment_*` event without the issue's security field.
pub fn needs_known_facts(instance: &InstanceRecordV1, webhook_event: &str, payload: &Payload) -> bool {
    partial_cloud_comment(instance.instance_type == InstanceType::Cloud, webhook_event, payload)
}

/// What routing reads of one event.
#[derive(Clone, Copy)]
pub struct EventView<'a> {
    /// `webhookEvent` as sent.
    pub webhook_event: &'a str,
    pub payload: &'a Payload,
    /// The plugin's event names it carries.
    pub events: &'a [String],
}

/// How a firehose event was routed.
#[derive(Debug, Default)]
pub struct Routed {
    pub targets: Vec<ChannelTarget>,
    /// What the event log says beside the usual status (e.g. where the facts came from).
    pub note: Option<String>,
    /// The facts of this payload, to keep for later partial ones.
    pub keep: Option<NewIssueFacts>,
}

/// Routes an event. `known` is what was kept of its issue, asked for only when
/// [`needs_known_facts`]; `Some(None)` means nothing was.
pub fn route(
    index: &SubscriptionIndex,
    instance: &InstanceRecordV1,
    event: EventView<'_>,
    settings: MatchSettings,
    known: Option<Option<IssueFactsRecordV1>>,
    now_ms: u64,
) -> Routed {
    let is_cloud = instance.instance_type == InstanceType::Cloud;
    let mut facts = IssueFacts::from_payload(event.payload, is_cloud);
    let mut routed = Routed::default();
    match known {
        Some(Some(record)) => {
            facts.fill_gaps_from(&IssueFacts::from_record(&record));
            routed.note = Some(format!("enriched from event #{}", record.event_id));
        }
        Some(None) => {
            routed.note = Some(SECURITY_UNKNOWN.into());
            return routed;
        }
        None => routed.keep = keep(instance, event.webhook_event, event.payload, &facts, now_ms),
    }
    routed.targets = targets_for(index, instance, &facts, event.events, settings);
    routed
}

/// One target per channel whose subscriptions match, named after its first matching
/// subscription (they come in name order).
fn targets_for(
    index: &SubscriptionIndex,
    instance: &InstanceRecordV1,
    facts: &IssueFacts,
    events: &[String],
    settings: MatchSettings,
) -> Vec<ChannelTarget> {
    let mut targets: Vec<ChannelTarget> = Vec::new();
    for subscription in index.matching(&instance.id, events, facts, settings) {
        if !targets.iter().any(|t| t.channel_id == subscription.channel_id) {
            let channel_id = subscription.channel_id.clone();
            targets.push(ChannelTarget { channel_id, subscription_name: subscription.name.clone() });
        }
    }
    targets
}

/// The payload with its issue's fields as Jira answered them (the comment stays as sent).
/// Jira leaves out a field without a value, so a missing `security` reads as none set:
/// the level is known now.
pub fn with_fetched_fields(mut payload: Payload, fields: &serde_json::Map<String, serde_json::Value>) -> Payload {
    let mut fields = fields.clone();
    fields.entry("security").or_insert(serde_json::Value::Null);
    if let Some(issue) = payload.0.get_mut("issue").and_then(serde_json::Value::as_object_mut) {
        issue.insert("fields".into(), serde_json::Value::Object(fields));
    }
    payload
}

/// A full payload's facts, kept under its issue id with the payload's own time (so a
/// webhook sent again later does not undo a newer change). Comment events are never kept:
/// some carry only a few of the issue's fields.
fn keep(
    instance: &InstanceRecordV1,
    webhook_event: &str,
    payload: &Payload,
    facts: &IssueFacts,
    now_ms: u64,
) -> Option<NewIssueFacts> {
    let partial = webhook_event.starts_with("comment_") || payload.issue_fields().is_none_or(|f| f.is_empty());
    if partial {
        return None;
    }
    facts_at_payload_time(instance, payload, facts, now_ms)
}

/// The facts of a comment's issue as Jira answered them (a payload through
/// [`with_fetched_fields`]), kept like a full payload's: later comments of the issue, and
/// the dry run of this one, then see what its routing saw. They are kept at the comment's
/// own time, not the time they were read: Jira's clock orders them against the issue's
/// later changes, whatever ours says.
pub fn fetched_facts(instance: &InstanceRecordV1, payload: &Payload, now_ms: u64) -> Option<NewIssueFacts> {
    let facts = IssueFacts::from_payload(payload, instance.instance_type == InstanceType::Cloud);
    facts_at_payload_time(instance, payload, &facts, now_ms)
}

fn facts_at_payload_time(
    instance: &InstanceRecordV1,
    payload: &Payload,
    facts: &IssueFacts,
    now_ms: u64,
) -> Option<NewIssueFacts> {
    let issue_id = issue_id(payload);
    if issue_id.is_empty() {
        return None;
    }
    let at = payload.at(&["timestamp"]).and_then(serde_json::Value::as_u64).unwrap_or(now_ms);
    Some(NewIssueFacts { instance_id: instance.id.clone(), issue_id, record: facts.to_record(at) })
}
