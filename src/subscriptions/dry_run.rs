//! Dry run (SPEC §3.5): which of the last stored events a rule would have posted, and where.
//! Nothing is posted or changed.

use serde::Serialize;

use super::facts::IssueFacts;
use super::facts::{issue_id, partial_cloud_comment};
use super::matching::{matches, MatchSettings};
use super::model::Subscription;
use crate::events::normalize::normalize;
use crate::jira::instance::InstanceType;
use crate::jira::payload::Payload;
use crate::jira::webhook_fields::Webhook;
use crate::store::records::{EventRecordV1, IssueFactsRecordV1};

/// One stored event the rule would have posted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DryRunMatch {
    pub event_id: u64,
    pub issue_key: String,
    pub events: Vec<String>,
    pub channel_id: String,
}

/// The result: how many events were looked at and which matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DryRun {
    pub examined: usize,
    pub matched: Vec<DryRunMatch>,
}

/// Replays `events` (newest first) against `sub`. Events of other instances do not match.
/// A Jira Cloud comment is matched as routing would match it now: with the facts kept of
/// its issue (`known(instance, issue id)`), and not at all when none are kept.
pub fn dry_run(
    sub: &Subscription,
    events: &[(u64, EventRecordV1)],
    settings: MatchSettings,
    known: impl Fn(&str, &str) -> Option<IssueFactsRecordV1>,
) -> DryRun {
    let is_cloud = InstanceType::of_url(&sub.instance_id) == InstanceType::Cloud;
    let matched = events
        .iter()
        .filter(|(_, event)| event.instance_id.as_deref() == Some(sub.instance_id.as_str()))
        .filter_map(|(id, event)| {
            let payload = Payload::parse(&event.raw_body).ok()?;
            let parsed = normalize(&Webhook::parse(&event.raw_body).ok()?)?;
            let mut facts = IssueFacts::from_payload(&payload, is_cloud);
            if partial_cloud_comment(is_cloud, &event.webhook_event, &payload) {
                let kept = known(&sub.instance_id, &issue_id(&payload))?;
                facts.fill_gaps_from(&IssueFacts::from_record(&kept));
            }
            matches(sub, &parsed.events, &facts, settings).then(|| DryRunMatch {
                event_id: *id,
                issue_key: parsed.issue.key.clone(),
                events: parsed.events.clone(),
                channel_id: sub.channel_id.clone(),
            })
        })
        .collect();
    DryRun { examined: events.len(), matched }
}
