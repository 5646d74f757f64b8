//! Personal DMs (SPEC §5.9): decided after the acknowledgement, event by event in receipt
//! order from `meta.dm_decided_through`, and sent through the outbox like any post (to the
//! bot's direct channel with the recipient, one lane per recipient).
//!
//! For each firehose event that can make DMs (created with an assignee, a lone assignee
//! change, a comment created), the people it concerns are found in the payload (mentions,
//! assignee, watchers, reporter, in that order), mapped to connected Mattermost users, and
//! kept when their setting for that role is on and their **own** credentials can read the
//! issue (for a comment, the comment): a failed read is a skip, never a leak. One DM per
//! user per event. A Jira that cannot be asked at all (5xx, timeout) leaves the event to be
//! decided again shortly; the events behind it wait, so order holds.

use std::collections::HashSet;

use serde_json::Value;

use self::roles::{candidates, message, person, Candidate, Role};
use super::credentials::Credentials;
use super::Connections;
use crate::events::model::Kind;
use crate::events::normalize::normalize;
use crate::ids::MmUserId;
use crate::jira::client::JiraError;
use crate::jira::webhook_fields::Webhook;
use crate::mattermost::post::NewPost;
use crate::store::records::{DeliveryRecordV1, EventRecordV1, PostRecordV1, RoutingKind, TargetRecordV1};
use crate::store::{NewDelivery, StoreError};
use crate::utc::now_ms;

/// Events read per pass.
const BATCH: usize = 200;
/// How long an event's DMs wait for an unreachable Jira or Mattermost.
const LONGEST_WAIT_MS: u64 = 10 * 60 * 1000;
/// How long a Cloud comment's DMs wait for the router to read its issue from Jira (it gives
/// up within 30 s); then they read the issue themselves.
const ROUTING_WAIT_MS: u64 = 30 * 1000;
/// How often a user is told that Jira refused their token in background work.
const REJECTED_DM_EVERY_MS: u64 = 24 * 3600 * 1000;

/// What deciding one event came to.
enum Decided {
    /// The DMs to store (maybe none).
    Deliveries(Vec<NewDelivery>),
    /// Jira or Mattermost could not be asked: decide this event again later.
    Later(String),
    /// The router still reads the event's issue from Jira (its answer serves the DMs too):
    /// decide again shortly, without a warning each time.
    AfterRouting,
}

/// Whether `event`'s DMs wait for its routing at `now_ms`: while the router reads its issue
/// from Jira, for under 30 s (DMs of every instance wait behind it, so not longer).
fn waits_for_routing(event: &EventRecordV1, now_ms: u64) -> bool {
    event.status.kind == RoutingKind::RoutingPending && now_ms.saturating_sub(event.received_at_ms) < ROUTING_WAIT_MS
}

/// How often new events are looked at.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

impl Connections {
    /// Decides DMs until `stop` turns true.
    pub async fn run_direct_messages(self: std::sync::Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.decide_direct_messages().await {
                tracing::warn!(error = %e, "could not decide personal DMs; trying again shortly");
            }
            tokio::select! {
                () = tokio::time::sleep(LOOK_EVERY) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Decides the DMs of every event received since the last decision; answers how many
    /// DMs were queued. Stops at an event that must be decided again later.
    pub async fn decide_direct_messages(&self) -> Result<usize, StoreError> {
        let store = self.store.clone();
        let mut queued = 0;
        loop {
            let events = {
                let store = store.clone();
                self.store
                    .run(move |_| -> Result<_, StoreError> {
                        if !store.has_connections()? {
                            // Nobody connected: no event can make a DM, none is read.
                            store.dm_skip_to_newest()?;
                            return Ok(Vec::new());
                        }
                        store.events_after(store.dm_decided_through()?, BATCH)
                    })
                    .await?
            };
            if events.is_empty() {
                return Ok(queued);
            }
            // Events without DMs move the mark once, at the end of the run of them.
            let mut decided_without: Option<u64> = None;
            for (event_id, event) in events {
                let deliveries = match self.decide(event_id, &event).await {
                    Decided::Deliveries(deliveries) => deliveries,
                    Decided::AfterRouting => {
                        tracing::debug!(event = event_id, "personal DMs of an event wait for its routing");
                        self.mark_decided(decided_without).await?;
                        return Ok(queued);
                    }
                    Decided::Later(why) => {
                        tracing::warn!(event = event_id, reason = %why, "personal DMs of an event wait; trying again shortly");
                        self.mark_decided(decided_without).await?;
                        return Ok(queued);
                    }
                };
                if deliveries.is_empty() {
                    decided_without = Some(event_id);
                    continue;
                }
                decided_without = None;
                queued += deliveries.len();
                let store = store.clone();
                self.store.run(move |_| store.add_direct_messages(event_id, deliveries)).await?;
            }
            self.mark_decided(decided_without).await?;
        }
    }

    async fn mark_decided(&self, through: Option<u64>) -> Result<(), StoreError> {
        let Some(event_id) = through else { return Ok(()) };
        let store = self.store.clone();
        self.store.run(move |_| store.dm_mark_decided(event_id)).await
    }

    async fn decide(&self, event_id: u64, event: &EventRecordV1) -> Decided {
        // An event waits for an unreachable Jira or Mattermost at most this long; then its
        // DMs that could not be checked are skipped, so one outage cannot hold every later
        // DM back for good.
        let may_wait = now_ms().saturating_sub(event.received_at_ms) < LONGEST_WAIT_MS;
        let later = |why: String| may_wait.then_some(Decided::Later(why));
        let no_dms = Decided::Deliveries(Vec::new());
        let Some(instance_id) = event.instance_id.as_ref().map(|i| i.to_string()) else { return no_dms };
        if event.source != "firehose" {
            return no_dms;
        }
        let (Ok(mut payload), Ok(webhook)) =
            (serde_json::from_slice::<Value>(&event.raw_body), Webhook::parse(&event.raw_body))
        else {
            return no_dms;
        };
        let Some(mut parsed) = normalize(&webhook) else { return no_dms };
        // Jira Cloud's comment payloads name no reporter or creator. The router reads the
        // issue from Jira after the ack (§4.5): its answer is used once routing is done;
        // Jira is asked here only when that answer is gone (a restart) or was never had.
        if parsed.kind == Kind::CommentCreated && payload["issue"]["fields"].get("reporter").is_none() {
            if waits_for_routing(event, now_ms()) {
                return Decided::AfterRouting;
            }
            let enriched = self.enriched.people_of(event_id);
            let people = match enriched {
                Some(people) => Ok(Some(people)),
                None => self.issue_people(&instance_id, &parsed.issue.key, &payload).await,
            };
            match people {
                Ok(Some(people)) => {
                    if let Some(fields) = payload["issue"]["fields"].as_object_mut() {
                        fields.extend(people.into_iter().filter(|(name, _)| name == "reporter" || name == "creator"));
                    }
                }
                Ok(None) => {}
                Err(why) => {
                    if let Some(wait) = later(why) {
                        return wait;
                    }
                }
            }
        }
        let mut wanted = candidates(&parsed, &payload);
        if parsed.kind == Kind::CommentCreated {
            match self.watchers(&instance_id, &parsed, &payload).await {
                Ok(watchers) => {
                    let author = person(&payload["comment"]["author"]);
                    let at = wanted.iter().position(|c| c.role == Role::Reporter).unwrap_or(wanted.len());
                    let watching = watchers
                        .into_iter()
                        .filter(|w| Some(w) != author.as_ref())
                        .map(|jira_user| Candidate { jira_user, role: Role::Watching });
                    wanted.splice(at..at, watching);
                }
                Err(why) => {
                    if let Some(wait) = later(why) {
                        return wait;
                    }
                }
            }
        }
        // What the quoted text's mentions show, asked only when someone may get a DM: as in
        // channel posts, connected people as @username, others by the name Jira gives.
        if !wanted.is_empty() {
            crate::delivery::mentions::add_mattermost_users(&self.store, &self.mattermost, &instance_id, &mut parsed)
                .await;
            self.name_mentions(&instance_id, &mut parsed).await;
            let config = self.settings.current();
            crate::delivery::mentions::add_jira_names(&self.jira_users, &self.store, &config, event, &mut parsed).await;
        }
        let comment_id = parsed.comment.as_ref().map(|c| c.id.clone()).filter(|id| !id.is_empty());
        let mut sent_to = HashSet::new();
        let mut deliveries = Vec::new();
        for candidate in wanted {
            let Some((user, settings, Credentials { base, auth })) =
                self.recipient(&instance_id, &candidate.jira_user).await
            else {
                continue;
            };
            if sent_to.contains(&user) || !candidate.role.wanted(&settings) {
                continue;
            }
            match crate::jira::rest::can_read(&self.jira, &base, &parsed.issue.key, comment_id.as_deref(), &auth).await
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e @ (JiraError::Unreachable(_) | JiraError::RateLimited { .. })) => match later(e.to_string()) {
                    Some(wait) => return wait,
                    None => continue,
                },
                Err(JiraError::Unauthorized) => {
                    self.credentials_refused(&instance_id, &user, &auth).await;
                    continue;
                }
                Err(e) => {
                    tracing::info!(user = %user, error = %e, "a personal DM is skipped: its reader could not be checked");
                    continue;
                }
            }
            let Ok(mm_user) = MmUserId::parse(&user) else { continue };
            let channel = match self.mattermost.direct_channel(&mm_user).await {
                Ok(channel) => channel,
                // A user gone or not allowed a DM with the bot: skip that one only.
                Err(e) if !e.is_transient() => {
                    tracing::info!(user = %user, error = %e, "a personal DM is skipped: no direct channel");
                    continue;
                }
                Err(e) => match later(format!("Mattermost did not open the direct channel: {e}")) {
                    Some(wait) => return wait,
                    None => continue,
                },
            };
            sent_to.insert(user);
            let (text, post_type) = message(&parsed, candidate.role);
            let post = NewPost { message: text, post_type, ..NewPost::default() };
            let record = DeliveryRecordV1::new_pending(
                TargetRecordV1::ChannelId(channel.clone()),
                // The same lane as any post to that channel (a subscription may target it too).
                format!("ch:{channel}"),
                PostRecordV1::Json(post.to_json().to_string()),
                parsed.issue.url(),
                None,
                now_ms(),
            );
            deliveries.push(NewDelivery { record });
        }
        Decided::Deliveries(deliveries)
    }

    /// Jira refused a user's credentials in background work. An OAuth 2.0 grant that is gone
    /// ends its connection (one DM per 5 minutes, `credentials`); any other refusal is told
    /// in a DM at most once per user and instance per 24 hours (decided in issue 17), and
    /// the connection stays.
    async fn credentials_refused(&self, instance_id: &str, user: &str, auth: &crate::jira::auth::JiraAuth) {
        let (store, key, id, who) = (self.store.clone(), self.key.clone(), instance_id.to_string(), user.to_string());
        if let Ok(Some(connection)) = self.store.run(move |_| store.connection(&id, &who, &key)).await {
            if matches!(connection.auth, crate::store::ConnectionAuth::OAuth2 { .. }) {
                self.grant_gone(instance_id, &connection, auth).await;
                return;
            }
        }
        self.tell_credentials_rejected(instance_id, user).await;
    }

    async fn tell_credentials_rejected(&self, instance_id: &str, user: &str) {
        let (store, once) = (self.store.clone(), format!("rejected\0{instance_id}\0{user}"));
        let now = now_ms();
        let until = now + REJECTED_DM_EVERY_MS;
        if let Ok(true) = self.store.run(move |_| store.use_once(&once, until, now)).await {
            self.direct_message(user, super::issues::REJECTED).await;
        }
    }
}

mod readers;
mod roles;
#[cfg(test)]
mod tests;
