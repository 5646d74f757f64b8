//! Routing that waits for Jira (SPEC §4.5, §4.6). A Jira Cloud comment names no security
//! level; when Jira can be asked (not push-only; admin credentials, or someone connected
//! who may be the commenter) the event is stored `routing pending` and answered at once,
//! and the router reads the issue's fields from Jira afterwards, with the admin token or
//! else the commenter's own connection. Each later event of the same instance waits behind it, so every channel
//! still gets the instance's events in receipt order.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::{watch, Notify};

use super::routing;
use super::Ingest;
use crate::config::Config;
use crate::ids::InstanceId;
use crate::jira::auth::JiraAuth;
use crate::jira::client::JiraClient;
use crate::jira::payload::Payload;
use crate::store::records::{RoutingKind, RoutingStatus};
use crate::store::{Store, StoreError};
use crate::subscriptions::SubscriptionIndex;

/// Jira is asked twice at most, this far apart, so an event waits under 30 s in all.
const SECOND_TRY_AFTER: Duration = Duration::from_secs(5);
/// Each try waits at most this long (or `jira.request_timeout_secs`, if shorter).
const LONGEST_TRY: Duration = Duration::from_secs(10);
/// Markers are looked for this often even without a wake-up (one left by a crash).
const LOOK_EVERY: Duration = Duration::from_secs(30);

/// How many events of each instance wait to be routed; shared by the webhook and the router.
#[derive(Default)]
pub struct Waiting {
    counts: Mutex<HashMap<InstanceId, usize>>,
    wake: Notify,
}

impl Waiting {
    /// The counts of the events a previous run left waiting.
    pub fn load(store: &Store) -> Result<Waiting, StoreError> {
        let waiting = Waiting::default();
        for (_, instance_id) in store.pending_routing()? {
            *waiting.counts().entry(instance_id).or_default() += 1;
        }
        Ok(waiting)
    }

    /// Whether an event of `instance_id` must wait: it needs Jira (`needs_jira`), or an
    /// earlier event of its instance waits. Counted from here on: store the event with the
    /// ticket, or drop it to take the count back.
    pub fn must_wait(self: &Arc<Self>, instance_id: &InstanceId, needs_jira: bool) -> Option<WaitTicket> {
        let mut counts = self.counts();
        // Nothing waits for most events: no entry is made (or id copied) for them.
        if !needs_jira && !counts.contains_key(instance_id) {
            return None;
        }
        *counts.entry(instance_id.clone()).or_default() += 1;
        Some(WaitTicket { waiting: self.clone(), instance_id: instance_id.clone(), stored: false })
    }

    fn routed(&self, instance_id: &InstanceId) {
        let mut counts = self.counts();
        if let Some(count) = counts.get_mut(instance_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(instance_id);
            }
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<InstanceId, usize>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One waiting event being stored; see [`Waiting::must_wait`].
pub struct WaitTicket {
    waiting: Arc<Waiting>,
    instance_id: InstanceId,
    stored: bool,
}

impl WaitTicket {
    /// The event is stored with its marker: the router takes it from here.
    pub fn stored(mut self) {
        self.stored = true;
        self.waiting.wake.notify_one();
    }
}

impl Drop for WaitTicket {
    fn drop(&mut self) {
        if !self.stored {
            self.waiting.routed(&self.instance_id);
        }
    }
}

/// The Jira users connected to an instance, as a source of credentials when no admin token
/// is set (SPEC §4.5: the admin token, else the actor's connection). `connections`
/// implements it.
pub trait ActorCredentials: Send + Sync {
    /// Whether anyone is connected to `instance_id`; asked on HTTP workers, so from memory.
    fn anyone_connected(&self, instance_id: &str) -> bool;

    /// Where to ask and with what, as the Jira user `actor` (accountId on Cloud, name on
    /// Data Center) connected to `instance_id`; `None` when nobody is connected as them.
    fn credentials_of<'a>(&'a self, instance_id: &'a str, actor: &'a str) -> ActorAuth<'a>;
}

/// A boxed future of an actor's base URL and credentials.
pub type ActorAuth<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Option<(String, JiraAuth)>> + Send + 'a>>;

/// Whether a Cloud comment of `instance_id` can be enriched from Jira: not push-only, and
/// admin credentials are set or someone is connected (perhaps the commenter).
pub fn jira_can_be_asked(config: &Config, instance_id: &InstanceId, actors: &dyn ActorCredentials) -> bool {
    !config.jira.push_only && (JiraAuth::admin(config).is_some() || actors.anyone_connected(instance_id.as_str()))
}

/// Routes the waiting events, oldest first per instance.
pub struct Router {
    pub ingest: Ingest,
    pub jira: JiraClient,
    pub subscriptions: Arc<RwLock<SubscriptionIndex>>,
    pub actors: Arc<dyn ActorCredentials>,
}

impl Router {
    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let router = Arc::new(self);
        loop {
            if let Err(e) = router.clone().route_waiting().await {
                tracing::warn!(error = %e, "could not route the events waiting for Jira; trying again shortly");
            }
            tokio::select! {
                () = router.ingest.waiting.wake.notified() => {}
                () = tokio::time::sleep(LOOK_EVERY) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Routes every event waiting now; instances proceed side by side.
    async fn route_waiting(self: Arc<Self>) -> Result<(), StoreError> {
        let pending = self.ingest.store.run(Store::pending_routing).await?;
        let mut by_instance: BTreeMap<InstanceId, Vec<u64>> = BTreeMap::new();
        for (event_id, instance_id) in pending {
            by_instance.entry(instance_id).or_default().push(event_id);
        }
        let tasks: Vec<_> = by_instance
            .into_iter()
            .map(|(instance_id, events)| tokio::spawn(self.clone().route_instance(instance_id, events)))
            .collect();
        for task in tasks {
            task.await.map_err(|e| StoreError::Batch(format!("routing task failed: {e}")))??;
        }
        Ok(())
    }

    /// One instance's waiting events, in receipt order; stops at the first that cannot be
    /// stored, so none overtakes it.
    async fn route_instance(self: Arc<Self>, instance_id: InstanceId, events: Vec<u64>) -> Result<(), StoreError> {
        for event_id in events {
            let ask = self.ingest.store.run(move |store| jira_question(store, event_id)).await?;
            let fetched = match ask {
                Some(question) => self.ask_jira(&question).await,
                None => None,
            };
            if let Some(fields) = &fetched {
                self.ingest.enriched.remember(event_id, fields);
            }
            let (ingest, subscriptions) = (self.ingest.clone(), self.subscriptions.clone());
            let routed = self
                .ingest
                .store
                .run(move |store| {
                    match ingest.route_stored(store, event_id, &subscriptions, fetched.as_ref(), false) {
                        Ok(ids) => Ok(ids.len()),
                        Err(super::replay::ReplayError::Store(e)) => Err(e),
                        Err(super::replay::ReplayError::NotFound(_)) => {
                            store.forget_pending_routing(event_id).map(|()| 0)
                        }
                        // Unreadable now (it was read when received): stored as routed nowhere.
                        Err(other) => {
                            tracing::warn!(event_id, reason = %other, "a waiting event cannot be routed");
                            routed_nowhere(store, event_id, &other.to_string()).map(|()| 0)
                        }
                    }
                })
                .await;
            let deliveries = routed?;
            self.ingest.store.durable().await?;
            self.ingest.waiting.routed(&instance_id);
            if deliveries > 0 {
                self.ingest.waker.notify_one();
            }
        }
        Ok(())
    }

    /// The issue's fields from Jira, read with the admin token, else as the commenter: two
    /// tries within 30 s, else `None` (the router then uses the facts kept from earlier
    /// payloads).
    async fn ask_jira(&self, question: &JiraQuestion) -> Option<Map<String, Value>> {
        let config = self.ingest.settings.current();
        if !self.jira.may_call() {
            return None;
        }
        let source = match JiraAuth::admin(&config) {
            Some(auth) => (question.base.to_string(), auth),
            None if !question.actor.is_empty() => {
                self.actors.credentials_of(question.base.as_str(), &question.actor).await?
            }
            None => return None,
        };
        let timeout = self.jira.timeout().min(LONGEST_TRY);
        for attempt in 1..=2 {
            let read =
                crate::jira::issues::fields(&self.jira, (source.0.as_str(), &question.issue), "", &source.1, timeout);
            match read.await {
                Ok(fields) => return Some(fields),
                Err(reason) => {
                    let issue = &question.issue;
                    tracing::warn!(%issue, attempt, %reason, "could not read a commented issue from Jira");
                }
            }
            if attempt == 1 {
                tokio::time::sleep(SECOND_TRY_AFTER).await;
            }
        }
        None
    }
}

/// What to ask Jira about a waiting event: its instance and issue, and who acted (the
/// commenter's accountId, or the user Jira names).
struct JiraQuestion {
    base: InstanceId,
    issue: String,
    actor: String,
}

/// The question for an event that needs its issue's fields, `None` for one that only
/// waited behind another (or whose instance is gone).
fn jira_question(store: &Store, event_id: u64) -> Result<Option<JiraQuestion>, StoreError> {
    let Some(event) = store.event(event_id)? else { return Ok(None) };
    let Some(instance) = (match &event.instance_id {
        Some(id) => store.instance(id.as_str())?,
        None => None,
    }) else {
        return Ok(None);
    };
    let Ok(payload) = Payload::parse(&event.raw_body) else { return Ok(None) };
    if !routing::needs_known_facts(&instance, &event.webhook_event, &payload) {
        return Ok(None);
    }
    let issue = routing::issue_id(&payload);
    let issue = if issue.is_empty() { event.issue_key.clone() } else { issue };
    let actor = [payload.str(&["comment", "author", "accountId"]), payload.str(&["user", "accountId"])]
        .into_iter()
        .find(|id| !id.is_empty())
        .unwrap_or_default()
        .to_string();
    Ok((!issue.is_empty()).then_some(JiraQuestion { base: instance.id, issue, actor }))
}

/// Ends the wait of an event that cannot be routed, saying why in the event log.
fn routed_nowhere(store: &Store, event_id: u64, reason: &str) -> Result<(), StoreError> {
    let Some(mut event) = store.event(event_id)? else { return store.forget_pending_routing(event_id) };
    event.status = RoutingStatus::with_note(RoutingKind::Unmatched, reason);
    store.add_deliveries(event_id, &event, Vec::new()).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_wait_behind_a_waiting_one_of_their_instance_only() {
        let waiting = Arc::new(Waiting::default());
        let (a, b) = (InstanceId::unchecked("a"), InstanceId::unchecked("b"));
        assert!(waiting.must_wait(&a, false).is_none(), "nothing waits: routed at once");
        let comment = waiting.must_wait(&a, true).expect("a comment needing Jira waits");
        let behind = waiting.must_wait(&a, false).expect("a later event of its instance waits behind it");
        assert!(waiting.must_wait(&b, false).is_none(), "another instance's events do not");
        drop(behind);
        comment.stored();
        let next = waiting.must_wait(&a, false).expect("the stored comment still waits");
        drop(next);
        waiting.routed(&a);
        assert!(waiting.must_wait(&a, false).is_none(), "once it is routed, nothing waits");
    }
}
