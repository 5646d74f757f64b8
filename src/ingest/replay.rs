//! Routing a stored event again (admin "replay"), with the webhook's own routing: a legacy
//! event goes to the channel(s) it was first posted to; a firehose event goes through the
//! subscriptions in force now (and finds its instance again if it had none). New
//! deliveries are added to the stored event; the duplicate check is not involved, and the
//! dedup keys are left as they are.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use super::routing;
use super::{firehose_status, Ingest};
use crate::events::model::NormalizedEvent;
use crate::events::normalize::normalize;
use crate::instances::{self, WebhookInstance};
use crate::jira::payload::Payload;
use crate::jira::webhook_fields::Webhook;
use crate::store::records::{AuditRecordV1, EventRecordV1, PostRecordV1};
use crate::store::{NewDelivery, NewIssueFacts, Store, StoreError};
use crate::subscriptions::matching::MatchSettings;
use crate::subscriptions::SubscriptionIndex;
use crate::utc::now_ms;

/// Why an event cannot be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("event {0} is not stored; events are kept for store.event_retention_days")]
    NotFound(u64),
    #[error("event {0} cannot be read again: {1}")]
    Unreadable(u64, String),
    #[error(
        "event {0} is still waiting to be routed (its issue is being read from Jira); replay it once it is routed"
    )]
    StillPending(u64),
    #[error("legacy event {0} was never posted to a channel, so there is no channel to post it to again")]
    NoTarget(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Ingest {
    /// Routes stored event `event_id` again and answers the new deliveries' ids (possibly
    /// none: no subscription matches now). Audited as `actor`; wakes the worker. The store
    /// work runs on a blocking thread ([`Store::run`]); the answer waits for the flush.
    pub async fn replay(
        &self,
        event_id: u64,
        subscriptions: Arc<RwLock<SubscriptionIndex>>,
        actor: &str,
    ) -> Result<Vec<u64>, ReplayError> {
        let (this, who) = (self.clone(), actor.to_string());
        let ids = self.store.run(move |store| this.route_again(store, event_id, &subscriptions, &who)).await?;
        self.store.durable().await?;
        if !ids.is_empty() {
            self.waker.notify_one();
        }
        tracing::info!(event_id, deliveries = ids.len(), %actor, "event replayed");
        Ok(ids)
    }

    /// Reads the event, routes it, stores the new deliveries and audits (not yet durable).
    fn route_again(
        &self,
        store: &Store,
        event_id: u64,
        subscriptions: &RwLock<SubscriptionIndex>,
        actor: &str,
    ) -> Result<Vec<u64>, ReplayError> {
        let ids = self.route_stored(store, event_id, subscriptions, None, true)?;
        audit_replay(store, event_id, &ids, actor)?;
        Ok(ids)
    }

    /// Routes stored event `event_id` and stores the new deliveries with its routing status
    /// (not yet durable). `fetched` holds its issue's fields as Jira answered them, when
    /// asked. A replay (`replaying`) of an event still waiting for its first routing is
    /// refused: the router would route it a second time.
    pub(super) fn route_stored(
        &self,
        store: &Store,
        event_id: u64,
        subscriptions: &RwLock<SubscriptionIndex>,
        fetched: Option<&serde_json::Map<String, serde_json::Value>>,
        replaying: bool,
    ) -> Result<Vec<u64>, ReplayError> {
        let mut event = store.event(event_id)?.ok_or(ReplayError::NotFound(event_id))?;
        if replaying && event.status.is_pending() {
            return Err(ReplayError::StillPending(event_id));
        }
        let unreadable = |reason| ReplayError::Unreadable(event_id, reason);
        let unhandled = || unreadable("jirabridge no longer handles this payload".into());
        let parsed = normalize(&Webhook::parse(&event.raw_body).map_err(unreadable)?).ok_or_else(unhandled)?;
        // Only routing by subscription needs the whole JSON tree: a legacy event replays from
        // what normalizing read, as it was accepted.
        let (deliveries, keep) = if event.source == "legacy" {
            (self.legacy_again(store, event_id, &parsed)?, None)
        } else {
            let mut payload = Payload::parse(&event.raw_body).map_err(unreadable)?;
            if let Some(fields) = fetched {
                payload = routing::with_fetched_fields(payload, fields);
            }
            self.firehose_again(store, &mut event, &payload, &parsed, subscriptions, fetched)?
        };
        let ids = store.add_deliveries(event_id, &event, deliveries)?;
        if let Some(facts) = keep {
            store.keep_issue_facts(facts, event_id)?;
        }
        Ok(ids)
    }

    /// One delivery per channel the event was posted to before (legacy webhooks name their
    /// channel in the URL, which is not stored; their deliveries are).
    fn legacy_again(
        &self,
        store: &Store,
        event_id: u64,
        parsed: &NormalizedEvent,
    ) -> Result<Vec<NewDelivery>, ReplayError> {
        let mut lanes = BTreeSet::new();
        let mut deliveries = Vec::new();
        for earlier in store.deliveries_of_event(event_id)? {
            if lanes.insert(earlier.record.lane.clone()) {
                let post = PostRecordV1::FromEvent { subscription_name: None };
                let thread = self.thread_of(parsed, "");
                let (target, lane) = (earlier.record.target, earlier.record.lane);
                deliveries.push(self.new_delivery(target, lane, post, parsed.issue.url(), thread));
            }
        }
        if deliveries.is_empty() {
            return Err(ReplayError::NoTarget(event_id));
        }
        Ok(deliveries)
    }

    /// Deliveries for the subscriptions that match now; updates the event's instance and
    /// routing status.
    fn firehose_again(
        &self,
        store: &Store,
        event: &mut EventRecordV1,
        payload: &Payload,
        parsed: &NormalizedEvent,
        subscriptions: &RwLock<SubscriptionIndex>,
        fetched: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<(Vec<NewDelivery>, Option<NewIssueFacts>), ReplayError> {
        let known = match &event.instance_id {
            Some(id) => store.instance(id.as_str())?,
            None => None,
        };
        let instance = match known {
            Some(instance) => Some(instance),
            None => match instances::for_webhook(store, None, &instances::self_links(payload))? {
                WebhookInstance::Found(instance) => Some(instance),
                WebhookInstance::UnknownInPath | WebhookInstance::NoneFits => None,
            },
        };
        let mut routed = match &instance {
            Some(instance) => {
                let known = if routing::needs_known_facts(instance, &event.webhook_event, payload) {
                    Some(store.issue_facts(&instance.id, &routing::issue_id(payload))?)
                } else {
                    None
                };
                let settings = MatchSettings::from_config(&self.settings.current());
                let index = subscriptions.read().unwrap_or_else(|p| p.into_inner());
                let view = routing::EventView { webhook_event: &event.webhook_event, payload, events: &parsed.events };
                routing::route(&index, instance, view, settings, known, now_ms())
            }
            None => routing::Routed::default(),
        };
        if let Some(fields) = fetched {
            routed.note = Some(routing::FROM_JIRA.into());
            // Kept only when Jira named the level (or its absence): an answer without the
            // field (hidden from this reader, say) must not replace a level seen before.
            if fields.contains_key("security") {
                routed.keep = instance.as_ref().and_then(|i| routing::fetched_facts(i, payload, now_ms()));
            }
        }
        let instance_id = instance.map(|i| i.id);
        let deliveries = self.firehose_deliveries(parsed, instance_id.as_ref(), routed.targets);
        event.status = firehose_status(instance_id.as_ref(), &deliveries, routed.note.as_deref());
        event.instance_id = instance_id;
        Ok((deliveries, routed.keep))
    }
}

fn audit_replay(store: &Store, event_id: u64, ids: &[u64], actor: &str) -> Result<(), StoreError> {
    let entry = AuditRecordV1::new(
        actor,
        "event.replay",
        event_id.to_string(),
        None,
        Some(serde_json::json!({ "deliveries": ids }).to_string()),
        now_ms(),
    );
    store.audit(&entry)
}
