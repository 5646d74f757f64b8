//! What happens to a received event: decide its deliveries, store event and deliveries in
//! one transaction, wait until that is on disk (persist-then-ack), then wake the worker.
//! `routing` picks a firehose event's channels, `pending` routes the events that wait for
//! Jira, `replay` routes a stored event again, and `search` finds stored events for admins.
//! The pure steps (normalize, render) are in `events`.

pub mod enriched;
pub mod pending;
pub mod replay;
pub mod routing;
pub mod search;

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::events::model::{Kind, NormalizedEvent};
use crate::events::names;
use crate::ids::{ChannelId, InstanceId};
use crate::live_config::Settings;
use crate::store::records::{
    DeliveryRecordV1, EventRecordV1, PostRecordV1, RoutingKind, RoutingStatus, TargetRecordV1, ThreadRecordV1,
};
use crate::store::{IngestOutcome, NewDelivery, NewEvent, NewIssueFacts, Store, StoreError};
use crate::telemetry::Metrics;
use crate::utc::now_ms;
use pending::{WaitTicket, Waiting};
use routing::Routed;

/// Headers worth keeping with the event (for the event log and transport dedup).
pub const KEPT_HEADERS: &[&str] =
    &["x-atlassian-webhook-identifier", "x-atlassian-webhook-retry", "user-agent", "content-type"];

/// A webhook as received, before parsing.
pub struct Received {
    pub webhook_event: String,
    pub raw_body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub instance_id: Option<InstanceId>,
    /// Which webhook URL received it (query without the secret): the same body sent to
    /// two configured webhooks is two events, not a duplicate.
    pub dedup_scope: String,
}

/// Where a legacy webhook posts: a channel id when Mattermost answered, else the names.
#[derive(Debug, Clone, PartialEq)]
pub enum LegacyTarget {
    ChannelId { id: ChannelId, team: String, channel: String },
    ChannelName { team: String, channel: String },
}

/// A channel a firehose event goes to, and the first matching subscription's name.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelTarget {
    pub channel_id: ChannelId,
    pub subscription_name: String,
}

/// What became of an accepted webhook.
#[derive(Debug, Clone, PartialEq)]
pub enum Accepted {
    Stored { event_id: u64, deliveries: usize },
    Duplicate { event_id: u64 },
}

/// Stores events and their deliveries; shared by the webhook handlers. Cheap to clone (a
/// replay moves a clone to the blocking thread that does its store work).
#[derive(Clone)]
pub struct Ingest {
    pub store: Store,
    pub metrics: Metrics,
    pub waker: Arc<Notify>,
    /// Read per webhook: `webhook.dedup_window_secs` and `mattermost.threaded_comment_days`.
    pub settings: Settings,
    /// The events waiting to be routed, per instance (see `pending`).
    pub waiting: Arc<Waiting>,
    /// What Jira answered about the issues of events enriched lately (see `enriched`).
    pub enriched: Arc<enriched::EnrichedIssues>,
}

impl Ingest {
    /// A legacy webhook: one post to its channel when the event set meets the selection.
    pub async fn legacy(
        &self,
        received: Received,
        parsed: &NormalizedEvent,
        target: Option<LegacyTarget>,
    ) -> Result<Accepted, StoreError> {
        let mut deliveries = Vec::new();
        if let Some(target) = target {
            let thread = self.thread_of(parsed, "");
            deliveries.push(self.delivery(
                target,
                PostRecordV1::FromEvent { subscription_name: None },
                parsed.issue.url(),
                thread,
            ));
        }
        let kind = if deliveries.is_empty() { RoutingKind::Unmatched } else { RoutingKind::Routed };
        self.store_and_ack(received, parsed, "legacy", RoutingStatus::new(kind), deliveries, None).await
    }

    /// Threading for a post about `parsed` (SPEC §5.8): comments reply, created issues and
    /// comments may start a thread.
    pub(super) fn thread_of(&self, parsed: &NormalizedEvent, instance_id: &str) -> Option<ThreadRecordV1> {
        let is_comment = matches!(parsed.kind, Kind::CommentCreated | Kind::CommentUpdated | Kind::CommentDeleted);
        let starts_thread = is_comment || parsed.has_event(names::CREATED);
        let root_days = self.settings.current().mattermost.threaded_comment_days;
        if root_days == 0 || parsed.issue.id.is_empty() || !starts_thread {
            return None;
        }
        Some(ThreadRecordV1::new(instance_id.to_string(), parsed.issue.id.clone(), is_comment, root_days))
    }

    /// A firehose webhook: one post per matching channel (SPEC §4.4); `instance_id` is
    /// `None` when no instance could be chosen (stored as `unrouted`).
    pub async fn firehose(
        &self,
        received: Received,
        parsed: &NormalizedEvent,
        instance_id: Option<&InstanceId>,
        routed: Routed,
    ) -> Result<Accepted, StoreError> {
        let deliveries = self.firehose_deliveries(parsed, instance_id, routed.targets);
        let status = firehose_status(instance_id, &deliveries, routed.note.as_deref());
        self.store_and_ack(received, parsed, "firehose", status, deliveries, routed.keep).await
    }

    /// A firehose webhook stored to be routed later (see `pending`): no deliveries yet.
    pub async fn firehose_waiting(
        &self,
        received: Received,
        parsed: &NormalizedEvent,
        ticket: WaitTicket,
    ) -> Result<Accepted, StoreError> {
        let pending = RoutingStatus::new(RoutingKind::RoutingPending);
        let accepted = self.store_and_ack(received, parsed, "firehose", pending, Vec::new(), None).await;
        if let Ok(Accepted::Stored { .. }) = accepted {
            ticket.stored();
        }
        accepted
    }

    /// One delivery per channel target of a firehose event.
    pub(super) fn firehose_deliveries(
        &self,
        parsed: &NormalizedEvent,
        instance_id: Option<&InstanceId>,
        targets: Vec<ChannelTarget>,
    ) -> Vec<NewDelivery> {
        targets
            .into_iter()
            .map(|target| {
                let thread = self.thread_of(parsed, instance_id.map_or("", InstanceId::as_str));
                let post = PostRecordV1::FromEvent { subscription_name: Some(target.subscription_name) };
                let lane = format!("ch:{}", target.channel_id);
                self.new_delivery(TargetRecordV1::ChannelId(target.channel_id), lane, post, parsed.issue.url(), thread)
            })
            .collect()
    }

    fn delivery(
        &self,
        target: LegacyTarget,
        post: PostRecordV1,
        issue_url: String,
        thread: Option<ThreadRecordV1>,
    ) -> NewDelivery {
        let (target, lane) = match target {
            LegacyTarget::ChannelId { id, team, channel } => {
                (TargetRecordV1::ChannelId(id), format!("name:{team}/{channel}"))
            }
            LegacyTarget::ChannelName { team, channel } => {
                let lane = format!("name:{team}/{channel}");
                (TargetRecordV1::ChannelName { team, channel }, lane)
            }
        };
        self.new_delivery(target, lane, post, issue_url, thread)
    }

    pub(super) fn new_delivery(
        &self,
        target: TargetRecordV1,
        lane: String,
        post: PostRecordV1,
        issue_url: String,
        thread: Option<ThreadRecordV1>,
    ) -> NewDelivery {
        NewDelivery { record: DeliveryRecordV1::new_pending(target, lane, post, issue_url, thread, now_ms()) }
    }

    async fn store_and_ack(
        &self,
        received: Received,
        parsed: &NormalizedEvent,
        source: &str,
        status: RoutingStatus,
        deliveries: Vec<NewDelivery>,
        issue_facts: Option<NewIssueFacts>,
    ) -> Result<Accepted, StoreError> {
        let mut dedup_keys = vec![transport_key(&received)];
        dedup_keys.extend(content_key(parsed, received.instance_id.as_ref(), &received.dedup_scope));
        let record = EventRecordV1 {
            received_at_ms: now_ms(),
            source: source.into(),
            instance_id: received.instance_id,
            webhook_event: received.webhook_event,
            issue_key: parsed.issue.key.clone(),
            project_key: parsed.issue.project_key.clone(),
            events: parsed.events.clone(),
            status,
            headers: received.headers,
            raw_body: received.raw_body,
        };
        let dedup_window_ms = self.settings.current().webhook.dedup_window_secs * 1000;
        let event = NewEvent { record, dedup_keys, dedup_window_ms, issue_facts };
        let outcome = self.store.ingest_durable(event, deliveries).await?;
        match outcome {
            IngestOutcome::Stored { event_id, delivery_ids } => {
                for name in &parsed.events {
                    self.metrics.event(name);
                }
                if !delivery_ids.is_empty() {
                    self.waker.notify_one();
                }
                Ok(Accepted::Stored { event_id, deliveries: delivery_ids.len() })
            }
            IngestOutcome::Duplicate { event_id } => Ok(Accepted::Duplicate { event_id }),
        }
    }
}

/// How a firehose event was routed: no instance, no matching channel, or posted; with the
/// routing's note (the event log shows it): `security level unknown` alone, others after.
pub(super) fn firehose_status(
    instance_id: Option<&InstanceId>,
    deliveries: &[NewDelivery],
    note: Option<&str>,
) -> RoutingStatus {
    let kind = match (instance_id, deliveries.is_empty()) {
        (None, _) => RoutingKind::Unrouted,
        (Some(_), true) => RoutingKind::Unmatched,
        (Some(_), false) => RoutingKind::Routed,
    };
    match note {
        Some(routing::SECURITY_UNKNOWN) => RoutingStatus::new(RoutingKind::SecurityLevelUnknown),
        Some(note) => RoutingStatus::with_note(kind, note),
        None => RoutingStatus::new(kind),
    }
}

/// One change sent twice in different shapes (Jira DC 10 sends comments as
/// `comment_created` and as `issue_commented`; HA nodes repeat): same instance, issue,
/// events, comment or changelog id and timestamp (SPEC §5.10). `None` when the payload
/// carries too little to tell two changes apart.
fn content_key(parsed: &NormalizedEvent, instance_id: Option<&InstanceId>, scope: &str) -> Option<[u8; 32]> {
    let change_id =
        parsed.comment.as_ref().map(|c| c.id.as_str()).filter(|id| !id.is_empty()).unwrap_or(&parsed.changelog_id);
    if parsed.timestamp.is_empty() || change_id.is_empty() || parsed.issue.id.is_empty() {
        return None;
    }
    let mut events = parsed.events.clone();
    events.sort();
    let mut hasher = Sha256::new();
    for part in [
        "content",
        scope,
        instance_id.map_or("", InstanceId::as_str),
        &parsed.issue.id,
        &events.join(","),
        change_id,
        &parsed.timestamp,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    Some(hasher.finalize().into())
}

/// `X-Atlassian-Webhook-Identifier` when Jira sent one, else SHA-256(instance ‖ body).
fn transport_key(received: &Received) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(received.dedup_scope.as_bytes());
    hasher.update([0]);
    match received.headers.iter().find(|(name, _)| name == "x-atlassian-webhook-identifier") {
        Some((_, id)) => hasher.update(format!("id:{id}")),
        None => {
            hasher.update(received.instance_id.as_ref().map_or("", InstanceId::as_str).as_bytes());
            hasher.update([0]);
            hasher.update(&received.raw_body);
        }
    }
    hasher.finalize().into()
}
