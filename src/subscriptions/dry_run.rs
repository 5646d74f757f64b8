//! Dry run (SPEC §3.5): which of the last stored events a rule would have posted, and where.
//! Nothing is posted or changed.

use serde::Serialize;

use super::facts::IssueFacts;
use super::facts::{issue_id, partial_cloud_comment};
use super::matching::{excluded_by, MatchSettings};
use super::model::Subscription;
use crate::events::normalize::normalize;
use crate::ids::{ChannelId, InstanceId};
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
    pub channel_id: ChannelId,
}

/// One stored event the rule would not have posted, and the first of its tests it failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DryRunMiss {
    pub event_id: u64,
    pub issue_key: String,
    /// A path into the rule (`filters.events`, `filters.fields[2]`, …), `instance` for an
    /// event of another instance, `security_level_unknown` for a Cloud comment on an issue
    /// whose level nobody told.
    pub excluded_by: String,
    /// The same in words, for people.
    pub reason: String,
}

/// The result: how many events were looked at, which matched and why the others did not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DryRun {
    pub examined: usize,
    pub matched: Vec<DryRunMatch>,
    pub unmatched: Vec<DryRunMiss>,
}

/// Replays `events` (newest first) against `sub`. Events of other instances do not match.
/// Events jirabridge no longer reads are counted as examined and listed nowhere.
/// A Jira Cloud comment is matched as routing would match it now: with the facts kept of
/// its issue (`known(instance, issue id)`), and not at all when none are kept.
pub fn dry_run(
    sub: &Subscription,
    events: &[(u64, EventRecordV1)],
    settings: MatchSettings,
    known: impl Fn(&InstanceId, &str) -> Option<IssueFactsRecordV1>,
) -> DryRun {
    let is_cloud = sub.instance_id.instance_type() == InstanceType::Cloud;
    let mut result = DryRun { examined: events.len(), matched: Vec::new(), unmatched: Vec::new() };
    for (id, event) in events {
        let Some(parsed) = Webhook::parse(&event.raw_body).ok().and_then(|w| normalize(&w)) else { continue };
        let Ok(payload) = Payload::parse(&event.raw_body) else { continue };
        let miss = |code: &str, reason: String| DryRunMiss {
            event_id: *id,
            issue_key: parsed.issue.key.clone(),
            excluded_by: code.into(),
            reason,
        };
        if event.instance_id.as_ref() != Some(&sub.instance_id) {
            result.unmatched.push(miss("instance", "it came from another Jira instance".into()));
            continue;
        }
        let mut facts = IssueFacts::from_payload(&payload, is_cloud);
        if partial_cloud_comment(is_cloud, &event.webhook_event, &payload) {
            let Some(kept) = known(&sub.instance_id, &issue_id(&payload)) else {
                let reason = "a Jira Cloud comment on an issue whose security level jirabridge has not seen";
                result.unmatched.push(miss("security_level_unknown", reason.into()));
                continue;
            };
            facts.fill_gaps_from(&IssueFacts::from_record(&kept));
        }
        match excluded_by(sub, &parsed.events, &facts, settings) {
            None => result.matched.push(DryRunMatch {
                event_id: *id,
                issue_key: parsed.issue.key.clone(),
                events: parsed.events.clone(),
                channel_id: sub.channel_id.clone(),
            }),
            Some(exclusion) => {
                let reason = crate::subscriptions::matching::explain(&exclusion, sub, &parsed.events, &facts);
                result.unmatched.push(miss(&exclusion.code(), reason))
            }
        }
    }
    result
}
