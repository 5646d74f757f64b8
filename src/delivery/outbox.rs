//! The outbox as an admin sees it: deliveries by state, newest first, and "retry now" for
//! one that failed. Shared by the admin API and the console.

use serde::Serialize;
use tokio::sync::Notify;

use crate::store::records::{AuditRecordV1, DeliveryRecordV1, DeliveryState, TargetRecordV1};
use crate::store::{DueDelivery, Store, StoreError};

/// Shown when no `limit` is given, and the most ever shown at once.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// One delivery, for lists and event details.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeliverySummary {
    pub id: u64,
    pub event_id: u64,
    pub state: DeliveryState,
    /// The channel id, or `team/channel` while a legacy channel name is not resolved yet.
    pub channel: String,
    /// "Team / Channel" as Mattermost names it (SPEC §6.9), set by the face that shows it;
    /// null when Mattermost cannot be asked.
    pub channel_display: Option<String>,
    pub attempts: u32,
    pub created_at_ms: u64,
    /// When the next attempt is due; `None` once finished.
    pub due_at_ms: Option<u64>,
    pub finished_at_ms: Option<u64>,
    pub last_error: Option<String>,
    pub post_id: Option<String>,
}

impl DeliverySummary {
    pub fn of(delivery: &DueDelivery) -> DeliverySummary {
        let record = &delivery.record;
        let channel = match &record.target {
            TargetRecordV1::ChannelId(id) => id.to_string(),
            TargetRecordV1::ChannelName { team, channel } => format!("{team}/{channel}"),
        };
        DeliverySummary {
            id: delivery.id,
            event_id: record.event_id,
            state: record.state,
            channel,
            channel_display: None,
            attempts: record.attempts,
            created_at_ms: record.created_at_ms,
            due_at_ms: (!record.state.is_finished()).then_some(record.due_at_ms),
            finished_at_ms: record.finished_at_ms,
            last_error: record.last_error.clone(),
            post_id: record.post_id.clone(),
        }
    }
}

/// Deliveries in `state` (any state when `None`), newest first; `limit` is capped at
/// [`MAX_LIMIT`].
pub fn list(store: &Store, state: Option<DeliveryState>, limit: usize) -> Result<Vec<DeliverySummary>, StoreError> {
    let wanted = |record: &DeliveryRecordV1| state.is_none_or(|s| record.state == s);
    let found = store.deliveries_newest_first(limit.clamp(1, MAX_LIMIT), wanted)?;
    Ok(found.iter().map(DeliverySummary::of).collect())
}

/// Delivery `id`, if it is stored.
pub fn one(store: &Store, id: u64) -> Result<Option<DeliverySummary>, StoreError> {
    let record = store.delivery(id)?;
    Ok(record.map(|record| DeliverySummary::of(&DueDelivery { id, record })))
}

/// Why a delivery cannot be retried now.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("delivery {0} does not exist")]
    NotFound(u64),
    #[error("delivery {0} is done: it was posted")]
    Done(u64),
    #[error("delivery {0} is being sent right now")]
    InFlight(u64),
    #[error("delivery {0} changed meanwhile (it may just have been sent); look at it again")]
    Changed(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a dead, retrying or pending delivery due at `now_ms` and wakes the worker
/// (`waker`: `Ingest::waker`). A dead one gets another attempt, still in its channel's
/// order; if it fails again for good it is dead again. Audited as `actor`.
pub fn retry_now(
    store: &Store,
    waker: &Notify,
    id: u64,
    actor: &str,
    now_ms: u64,
) -> Result<DeliverySummary, RetryError> {
    let read = store.delivery(id)?.ok_or(RetryError::NotFound(id))?;
    let mut record = read.clone();
    match record.state {
        DeliveryState::Done => return Err(RetryError::Done(id)),
        DeliveryState::InFlight => return Err(RetryError::InFlight(id)),
        DeliveryState::Pending | DeliveryState::Retrying | DeliveryState::Dead => {}
    }
    if record.state == DeliveryState::Dead {
        record.state = DeliveryState::Retrying;
        record.finished_at_ms = None;
    }
    record.due_at_ms = now_ms;
    // Only if the worker did not finish it since it was read: a done delivery made due
    // again would be posted twice.
    if !store.replace_delivery(id, &read, &record)? {
        return Err(RetryError::Changed(id));
    }
    store.flush_now()?;
    waker.notify_one();
    let retried = DeliverySummary::of(&DueDelivery { id, record });
    let entry =
        AuditRecordV1::new(actor, "delivery.retry", id.to_string(), None, serde_json::to_string(&retried).ok(), now_ms);
    store.audit(&entry)?;
    Ok(retried)
}
