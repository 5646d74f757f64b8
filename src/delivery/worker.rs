//! The delivery worker: takes due lane heads from the outbox, posts them, records the
//! outcome. `run_once` does one full pass (tests call it instead of sleeping);
//! `run_until_stopped` loops until shutdown.
//!
//! Exactly once: every post carries its delivery id. Outcomes are written without waiting
//! for a flush (a flush per post limited draining a backlog to a few hundred posts a
//! second), so after a crash a delivery may have been posted while its record still says
//! it was not. Only a lane's head is ever sent, so that can only be true of the first few
//! unfinished deliveries of each lane: before this process posts in a lane for the first
//! time, it searches the channel for a post carrying the head's delivery id, and keeps
//! doing so head after head until one is not found. An `in_flight` record whose request got
//! no answer is searched for the same way.
//!
//! size: one delivery from lane head to outcome, read top to bottom.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::{backoff, limits, threading, DeliverySettings};
use crate::events::normalize::normalize;
use crate::events::render::render;
use crate::ids::{ChannelId, InstanceId};
use crate::jira::webhook_fields::Webhook;
use crate::live_config::Settings;
use crate::mattermost::channels::{ChannelCache, Resolution};
use crate::mattermost::wire::CreatedPost;
use crate::mattermost::{MattermostClient, MmError, NewPost};
use crate::store::records::{DeliveryRecordV1, DeliveryState, PostRecordV1, TargetRecordV1};
use crate::store::{DueDelivery, Store, StoreError};
use crate::telemetry::Metrics;
use crate::utc::now_ms;

/// Allowance for clock difference between us and Mattermost when searching for a post.
const CLOCK_SLACK_MS: u64 = 2 * 60 * 1000;
/// How long before its last heartbeat an earlier process may have made a post whose outcome
/// was lost: a probe interval, a flush, and a hung probe's deadline, with room to spare.
const HEARTBEAT_SLACK_MS: u64 = 60 * 1000;
/// Longest idle sleep; new work also wakes the worker at once.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Told when Mattermost accepts or, for good, refuses posts to a channel (subscriptions
/// routing there turn `active` / `broken`).
pub trait ChannelHealth: Send + Sync {
    fn channel_refused(&self, channel_id: &ChannelId, reason: &str);
    fn channel_accepted(&self, channel_id: &ChannelId);
}

/// Sends the outbox to Mattermost.
pub struct Worker {
    pub(super) store: Store,
    pub(super) client: MattermostClient,
    channels: Arc<ChannelCache>,
    metrics: Metrics,
    /// Read at use time: retry and display settings changed in the console apply at once.
    settings: Settings,
    pub(super) busy_lanes: Mutex<HashSet<String>>,
    pub(super) wake: Arc<Notify>,
    health: Option<Arc<dyn ChannelHealth>>,
    /// Display names of mentioned Jira users, cached.
    jira_users: crate::jira::users::JiraUsers,
    /// Lanes whose head this process has checked against the channel (see the header).
    pub(super) checked_lanes: Mutex<HashSet<String>>,
    /// Buttons for notifications (see `buttons`); none until `with_buttons`.
    buttons: Option<Arc<dyn super::buttons::PostButtons>>,
}

/// What one attempt ended in.
enum Outcome {
    Done(String),
    Retry(String, Option<Duration>),
    /// Mattermost refuses the channel itself for good (403/404): dead, and the channel's
    /// subscriptions are marked broken.
    ChannelRefused(String),
    /// A crash leftover could not be checked; stay `in_flight` and check again later.
    RecheckLater(String, Option<Duration>),
    Dead(String),
}

impl Worker {
    pub fn new(
        store: Store,
        client: MattermostClient,
        channels: Arc<ChannelCache>,
        metrics: Metrics,
        settings: Settings,
    ) -> Worker {
        // A client of its own until `with_jira` hands it the process's one.
        let jira = crate::jira::client::JiraClient::from_config(&settings.current(), metrics.clone());
        let jira_users = crate::jira::users::JiraUsers::new(jira);
        Worker {
            store,
            client,
            channels,
            metrics,
            settings,
            busy_lanes: Mutex::new(HashSet::new()),
            wake: Arc::new(Notify::new()),
            health: None,
            jira_users,
            checked_lanes: Mutex::default(),
            buttons: None,
        }
    }

    /// Adds `buttons`' actions to subscription posts and personal DMs.
    pub fn with_buttons(mut self, buttons: Arc<dyn super::buttons::PostButtons>) -> Worker {
        self.buttons = Some(buttons);
        self
    }

    /// Looks mentioned users up through `jira`, the process's one Jira client.
    pub fn with_jira(mut self, jira: crate::jira::client::JiraClient) -> Worker {
        self.jira_users = crate::jira::users::JiraUsers::new(jira);
        self
    }

    /// Reports channel outcomes to `health` (subscriptions turn broken or active).
    pub fn with_channel_health(mut self, health: Arc<dyn ChannelHealth>) -> Worker {
        self.health = Some(health);
        self
    }

    fn delivery_settings(&self) -> DeliverySettings {
        DeliverySettings::from_config(&self.settings.current())
    }

    /// A handle that wakes the worker when new deliveries are stored.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Loops until `shutdown` turns true; an attempt under way is finished first.
    pub async fn run_until_stopped(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            // A post whose outcome cannot be written would have to be searched for before
            // every next attempt: while the store cannot write, nothing is sent.
            let writable = self.store.writability() == crate::store::Writability::Writable;
            let passed =
                if writable { self.run_pass(Some(&shutdown)).await.map(|_| ()) } else { Err(StoreError::Deadline) };
            let sleep = match passed {
                Ok(()) => self.idle_time(),
                Err(e) => {
                    if writable {
                        tracing::error!(error = %e, "delivery pass failed; retrying shortly");
                    }
                    IDLE_POLL
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    fn idle_time(&self) -> Duration {
        let busy = self.busy_lanes.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match self.store.next_lane_due_ms(&busy) {
            Ok(Some(due)) => {
                Duration::from_millis(due.saturating_sub(now_ms())).clamp(Duration::from_millis(5), IDLE_POLL)
            }
            _ => IDLE_POLL,
        }
    }

    pub(super) async fn attempt_in_lane(&self, head: DueDelivery) -> Result<(), StoreError> {
        let DueDelivery { id, mut record } = head;
        record.attempts += 1;
        let channel_id = match self.channel_of(&record).await {
            Ok(channel_id) => channel_id,
            Err(outcome) => return self.finish(id, record, outcome),
        };
        if record.state == DeliveryState::InFlight || !self.lane_checked(&record.lane) {
            match self.earlier_post(id, &record, &channel_id).await {
                Some(outcome) => return self.finish(id, record, outcome),
                // Not posted: neither is anything after it in this lane.
                None => self.mark_lane_checked(&record.lane),
            }
        }
        // Nothing is written before the post: a send whose outcome was never written is found
        // in the channel by the lane check after a restart. `in_flight` reaches the store
        // only when `finish` records a request that got no answer (checked before a resend).
        record.target = TargetRecordV1::ChannelId(channel_id.clone());
        record.state = DeliveryState::InFlight;
        let now = now_ms();
        record.first_attempt_at_ms.get_or_insert(now);
        record.last_sent_at_ms = Some(now);
        let lane = record.lane.clone();
        let outcome = self.post(id, &record, &channel_id).await;
        let finished = self.finish(id, record, outcome);
        if finished.is_err() {
            // Posted (perhaps) without the outcome written: search before the next send.
            self.unmark_lane_checked(&lane);
        }
        finished
    }

    /// Was this delivery posted already (by an earlier process, or by a request that got no
    /// answer)? `None` = it was not: send it.
    async fn earlier_post(&self, id: u64, record: &DeliveryRecordV1, channel_id: &ChannelId) -> Option<Outcome> {
        // Only the last send can have gone through unseen: search from just before it. When
        // none was recorded, an unrecorded one was made by this process or shortly before the
        // last one stopped (outcomes reach disk within a second): from its last heartbeat
        // on, or from the delivery's creation if later. That keeps the search to recent posts,
        // not everything since a backlog began.
        // A post answered after the heartbeat may have been made up to a request's timeout
        // before its answer.
        let request_ms = self.settings.current().mattermost.request_timeout_secs.saturating_mul(1000);
        let before = HEARTBEAT_SLACK_MS.saturating_add(request_ms);
        let floor = self.store.previous_heartbeat_ms().map_or(0, |at| at.saturating_sub(before));
        let since = record.last_sent_at_ms.unwrap_or(record.created_at_ms.max(floor)).saturating_sub(CLOCK_SLACK_MS);
        match self.client.posts_since(channel_id, since).await {
            Ok(posts) => {
                let wanted = id.to_string();
                let found = posts.into_iter().find(|p| p.delivery_id() == Some(wanted.as_str()));
                found.map(|post| Outcome::Done(post.id))
            }
            Err(e) if refuses_channel(&e) => Some(Outcome::ChannelRefused(permanent_reason(&e))),
            Err(e) if e.is_transient() || e.maybe_sent() => {
                Some(Outcome::RecheckLater(format!("checking for an earlier post failed: {e}"), e.retry_after()))
            }
            Err(e) => Some(Outcome::Dead(permanent_reason(&e))),
        }
    }

    async fn channel_of(&self, record: &DeliveryRecordV1) -> Result<ChannelId, Outcome> {
        match &record.target {
            TargetRecordV1::ChannelId(id) => Ok(id.clone()),
            TargetRecordV1::ChannelName { team, channel } => {
                match self.channels.resolve(&self.client, team, channel).await {
                    Resolution::Found(id) => Ok(id),
                    Resolution::NotFound => Err(Outcome::Dead(format!("channel {team}/{channel} not found"))),
                    Resolution::Unknown(reason) => Err(Outcome::Retry(reason, None)),
                }
            }
        }
    }

    async fn post(&self, id: u64, record: &DeliveryRecordV1, channel_id: &ChannelId) -> Outcome {
        let (mut post, instance_id) = match self.post_body(record).await {
            Ok(post) => post,
            Err(reason) => return Outcome::Dead(reason),
        };
        post.channel_id = channel_id.clone();
        limits::fit(&mut post, &record.issue_url);
        if let (Some(buttons), Some((url_base, key))) = (&self.buttons, super::buttons::issue_of(&record.issue_url)) {
            if super::buttons::wanted(record) {
                // The instance the event was routed to: Jira's own base URL (in the issue's
                // link) may differ from the address the instance was installed under.
                let instance = instance_id.as_ref().map_or(url_base, InstanceId::as_str);
                super::buttons::add(&mut post, buttons.actions(instance, key, channel_id));
            }
        }
        post.props_mut().jirabridge_delivery_id = Some(id.to_string());
        let thread = record.thread.as_ref();
        let root = threading::reply_root(&self.store, thread, channel_id, now_ms()).unwrap_or_else(|e| {
            tracing::warn!(delivery = id, error = %e, "could not read the thread root; posting at the top level");
            None
        });
        let result = match &root {
            Some(root) => self.reply_or_top_level(&mut post, root).await,
            None => self.client.create_post(&post).await.map(|post| (post, true)),
        };
        match result {
            Ok((post, is_new_root)) => {
                if is_new_root {
                    if let Err(e) = threading::remember_root(&self.store, thread, channel_id, &post.id, now_ms()) {
                        tracing::warn!(delivery = id, error = %e, "could not record the thread root");
                    }
                }
                Outcome::Done(post.id)
            }
            // No answer after sending: the post may exist, so check before sending again.
            Err(e) if e.maybe_sent() => Outcome::RecheckLater(e.to_string(), e.retry_after()),
            Err(e) if e.is_transient() => Outcome::Retry(e.to_string(), e.retry_after()),
            Err(e) if refuses_channel(&e) => Outcome::ChannelRefused(permanent_reason(&e)),
            Err(e) => Outcome::Dead(permanent_reason(&e)),
        }
    }

    /// The post to make (stored as JSON, or rendered now from the stored event) and the
    /// instance its event was routed to, if any.
    async fn post_body(&self, record: &DeliveryRecordV1) -> Result<(NewPost, Option<InstanceId>), String> {
        match &record.post {
            PostRecordV1::Json(json) => {
                let post = NewPost::from_json(json).map_err(|e| format!("stored post is not JSON: {e}"))?;
                // Only the buttons want the instance: a DM is posted even if its event is gone.
                let event = self.store.event_without_body(record.event_id).ok().flatten();
                Ok((post, event.and_then(|event| event.instance_id)))
            }
            PostRecordV1::FromEvent { subscription_name } => {
                let event = self.store.event(record.event_id).map_err(|e| e.to_string())?;
                let event = event.ok_or_else(|| format!("event {} is no longer stored", record.event_id))?;
                let payload = Webhook::parse(&event.raw_body)
                    .map_err(|e| format!("stored event cannot be read as a webhook: {e}"))?;
                let mut parsed = normalize(&payload).ok_or("stored event is no longer an event jirabridge handles")?;
                let config = self.settings.current();
                if let Some(instance) = super::mentions::instance_url(&self.store, &event, &parsed) {
                    let instance = instance.as_str();
                    super::mentions::add_mattermost_users(&self.store, &self.client, instance, &mut parsed).await;
                }
                super::mentions::add_jira_names(&self.jira_users, &self.store, &config, &event, &mut parsed).await;
                let settings = DeliverySettings::from_config(&config);
                let mut options = settings.render;
                options.subscription_name = subscription_name.clone().filter(|_| settings.display_subscription_name);
                Ok((render(&parsed, &options).into_new_post(), event.instance_id))
            }
        }
    }

    /// Posts as a reply; if Mattermost no longer has the root (400/404), posts at the top
    /// level instead, and that post becomes the new root.
    async fn reply_or_top_level(&self, post: &mut NewPost, root: &str) -> Result<(CreatedPost, bool), MmError> {
        post.root_id = Some(root.to_string());
        match self.client.create_post(post).await {
            Ok(created) => Ok((created, false)),
            Err(MmError::Status { status: 400 | 404, .. }) => {
                // An empty root_id: top level, sent as it always has been.
                post.root_id = Some(String::new());
                self.client.create_post(post).await.map(|created| (created, true))
            }
            Err(e) => Err(e),
        }
    }

    fn finish(&self, id: u64, mut record: DeliveryRecordV1, outcome: Outcome) -> Result<(), StoreError> {
        let now = now_ms();
        let settings = self.delivery_settings();
        let outcome = expire_if_too_old(&settings, &record, outcome, now);
        self.report_channel_health(&record, &outcome);
        let recheck = matches!(outcome, Outcome::RecheckLater(..));
        match outcome {
            Outcome::Done(post_id) => {
                record.state = DeliveryState::Done;
                record.post_id = Some(post_id);
                record.finished_at_ms = Some(now);
                record.last_error = None;
                let latency = now.saturating_sub(record.created_at_ms) as f64 / 1000.0;
                self.metrics.delivery_latency.observe(latency);
                self.metrics.delivery("done");
            }
            Outcome::Retry(reason, retry_after) | Outcome::RecheckLater(reason, retry_after) => {
                let mut wait = backoff::delay(
                    record.attempts.max(1),
                    settings.retry_initial,
                    settings.retry_max,
                    retry_after,
                    backoff::random_fraction(),
                );
                tracing::warn!(delivery = id, attempts = record.attempts, retry_in_ms = wait.as_millis() as u64, %reason, "delivery failed; will retry");
                if recheck {
                    // Give an abandoned request time to finish before looking for its post.
                    wait = wait.max(settings.recheck_after);
                }
                if record.state != DeliveryState::InFlight || !recheck {
                    record.state = DeliveryState::Retrying;
                }
                record.due_at_ms = now + wait.as_millis() as u64;
                record.last_error = Some(reason);
                self.metrics.delivery("retry");
            }
            Outcome::Dead(reason) | Outcome::ChannelRefused(reason) => {
                tracing::error!(delivery = id, event = record.event_id, %reason, "delivery failed permanently");
                record.state = DeliveryState::Dead;
                record.finished_at_ms = Some(now);
                record.last_error = Some(reason);
                self.metrics.delivery("dead");
            }
        }
        self.store.update_delivery(id, &record)
    }

    fn report_channel_health(&self, record: &DeliveryRecordV1, outcome: &Outcome) {
        let (Some(health), TargetRecordV1::ChannelId(channel_id)) = (&self.health, &record.target) else { return };
        match outcome {
            Outcome::ChannelRefused(reason) => health.channel_refused(channel_id, reason),
            Outcome::Done(_) => health.channel_accepted(channel_id),
            _ => {}
        }
    }
}

fn expire_if_too_old(settings: &DeliverySettings, record: &DeliveryRecordV1, outcome: Outcome, now: u64) -> Outcome {
    let age = Duration::from_millis(now.saturating_sub(record.created_at_ms));
    match outcome {
        Outcome::Retry(reason, _) | Outcome::RecheckLater(reason, _) if age > settings.max_age => {
            Outcome::Dead(format!("gave up after {} hours: {reason}", settings.max_age.as_secs() / 3600))
        }
        other => other,
    }
}

/// Mattermost refuses the channel itself: 403 (not a member, no permission), 404 (gone),
/// or 400 for an archived channel (the server's `can_not_post_to_deleted` error).
fn refuses_channel(e: &MmError) -> bool {
    match e {
        MmError::Status { status: 403 | 404, .. } => true,
        MmError::Status { status: 400, id, .. } => id == "api.post.create_post.can_not_post_to_deleted.error",
        _ => false,
    }
}

fn permanent_reason(e: &MmError) -> String {
    match e.status() {
        Some(403) => format!("the bot may not post in this channel (not a member, or the channel is archived): {e}"),
        Some(404) => format!("the channel no longer exists: {e}"),
        Some(400) if refuses_channel(e) => format!("the channel is archived: {e}"),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, id: &str) -> MmError {
        MmError::Status { status, id: id.into(), message: String::new(), retry_after: None }
    }

    #[test]
    fn channel_refusals_are_told_from_other_errors() {
        assert!(refuses_channel(&status(403, "api.context.permissions.app_error")));
        assert!(refuses_channel(&status(404, "app.channel.get.existing.app_error")));
        assert!(refuses_channel(&status(400, "api.post.create_post.can_not_post_to_deleted.error")));
        assert!(!refuses_channel(&status(400, "api.post.create_post.root_id.app_error")));
        assert!(!refuses_channel(&status(503, "")));
        assert!(
            permanent_reason(&status(400, "api.post.create_post.can_not_post_to_deleted.error")).contains("archived")
        );
    }
}
