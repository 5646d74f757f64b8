//! Events and their deliveries. A webhook is stored as one insert of its event, with its
//! dedup keys and deliveries inside, and acknowledged once that is on disk
//! (persist-then-ack); `outbox_copy` then copies the deliveries into the outbox trees.

use std::sync::Mutex;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::codec::{self, u64_key};
use super::dedup::{RecentKeys, Seen};
pub(super) use super::event_codec::{
    decode_event, decode_event_without_body, decode_stored_without_body, encode_stored, received_at,
};
use super::outbox_copy::{copy_to_outbox, OutboxCopies};
use super::records::{DeliveryRecordV1, EventRecordV1, EventRecordV2, InstanceId, IssueFactsRecordV1};
use super::{Ids, Store, StoreError, Trees};

/// An event to store, with the transport dedup key that identifies it.
pub struct NewEvent {
    pub record: EventRecordV1,
    /// Keys that identify this webhook (transport, and content when known); any key seen
    /// within the window makes it a duplicate.
    pub dedup_keys: Vec<[u8; 32]>,
    pub dedup_window_ms: u64,
    /// What filters saw of the issue, to keep for later partial payloads (see
    /// `issue_facts`); stored with the event, which its `event_id` names.
    pub issue_facts: Option<NewIssueFacts>,
}

/// Facts of an issue to keep, under its instance and issue id.
#[derive(Debug)]
pub struct NewIssueFacts {
    pub instance_id: InstanceId,
    pub issue_id: String,
    pub record: IssueFactsRecordV1,
}

/// A delivery to create with the event.
pub struct NewDelivery {
    pub record: DeliveryRecordV1,
}

/// What [`Store::ingest`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum IngestOutcome {
    Stored {
        event_id: u64,
        delivery_ids: Vec<u64>,
    },
    /// The same webhook was already stored within the dedup window.
    Duplicate {
        event_id: u64,
    },
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

pub(super) fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// One webhook to store. Its ids are drawn when it is written, in queue order, so ids
/// rise batch after batch (the outbox copy's mark relies on it).
pub(super) struct IngestJob {
    event: NewEvent,
    deliveries: Vec<NewDelivery>,
}

impl IngestJob {
    pub(super) fn new(event: NewEvent, deliveries: Vec<NewDelivery>) -> IngestJob {
        IngestJob { event, deliveries }
    }
}

impl Store {
    /// Stores the event, its dedup keys and its deliveries in one insert and returns once
    /// that is on disk (persist-then-ack). Batched with concurrent calls by the ingest writer.
    pub async fn ingest_durable(
        &self,
        event: NewEvent,
        deliveries: Vec<NewDelivery>,
    ) -> Result<IngestOutcome, StoreError> {
        let job = IngestJob::new(event, deliveries);
        match &self.inner.writer {
            Some(writer) => {
                // While a write hangs, more webhooks would only queue up behind it with
                // their bodies: they are refused at once until a probe finds sled answering.
                if self.writability() == super::Writability::Stuck {
                    return Err(StoreError::Deadline);
                }
                match tokio::time::timeout(super::STORE_DEADLINE, writer.ingest(job)).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        // A backup holding the gate is a wait, not a stuck store: the webhook
                        // is refused (Jira retries) without marking the store unwritable.
                        if !self.backup_running() {
                            self.mark_stuck("storing a webhook took longer than the deadline");
                        }
                        Err(StoreError::Deadline)
                    }
                }
            }
            None => {
                let outcome = self.ingest_now(job)?;
                self.flush_now()?;
                Ok(outcome)
            }
        }
    }

    /// Stores the event, its dedup keys and its deliveries, and copies the deliveries into
    /// the outbox. Not yet durable: await [`Store::durable`] before acknowledging.
    pub fn ingest(&self, event: NewEvent, deliveries: Vec<NewDelivery>) -> Result<IngestOutcome, StoreError> {
        self.ingest_now(IngestJob::new(event, deliveries))
    }

    fn ingest_now(&self, job: IngestJob) -> Result<IngestOutcome, StoreError> {
        let _gate = self.write_gate()?;
        let (mut outcomes, copies) = store_batch(self.trees(), &self.inner.ids, &self.inner.recent, vec![job])?;
        // Outside the writer's pipeline the mark stays put: a batch of the writer with
        // lower ids may still be on its way to being copied.
        copy_to_outbox(self.trees(), &copies, self.inner.writer.is_none())?;
        Ok(outcomes.remove(0))
    }

    /// Reads one stored event.
    pub fn event(&self, event_id: u64) -> Result<Option<EventRecordV1>, StoreError> {
        match self.trees().eventid_event.get(u64_key(event_id))? {
            Some(bytes) => Ok(Some(decode_event(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Reads one stored event without its raw body (nothing is decompressed).
    pub fn event_without_body(&self, event_id: u64) -> Result<Option<EventRecordV1>, StoreError> {
        match self.trees().eventid_event.get(u64_key(event_id))? {
            Some(bytes) => Ok(Some(decode_event_without_body(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Number of stored events.
    pub fn event_count(&self) -> usize {
        self.trees().eventid_event.len()
    }

    /// Deletes events received before `cutoff_ms`. Ids rise with receipt, so the scan
    /// stops at the first younger event. Deliveries are swept separately (finished ones
    /// only).
    pub fn sweep_events_before(&self, cutoff_ms: u64) -> Result<usize, StoreError> {
        let t = self.trees();
        let mut removed = 0;
        for entry in t.eventid_event.iter() {
            let (key, value) = entry?;
            if received_at(&value)? >= cutoff_ms {
                break;
            }
            let _gate = self.write_gate()?;
            t.eventid_event.remove(key)?;
            removed += 1;
        }
        Ok(removed)
    }
}

/// Stores a batch of webhooks with one sled batch (atomic): duplicates of recent keys,
/// or of a key earlier in the same batch, are answered as such and not stored. Returns the
/// deliveries to copy into the outbox.
pub(super) fn store_batch(
    t: &Trees,
    ids: &Ids,
    recent: &Mutex<RecentKeys>,
    jobs: Vec<IngestJob>,
) -> Result<(Vec<IngestOutcome>, OutboxCopies), StoreError> {
    // Every caller holds the write gate around this call.
    let mut recent = recent.lock().unwrap_or_else(|p| p.into_inner());
    let mut batch = sled::Batch::default();
    let mut facts = sled::Batch::default();
    let mut pending = sled::Batch::default();
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut copies = OutboxCopies::default();
    let mut remembered = Vec::new();
    let result = (|| {
        for job in jobs {
            let NewEvent { record, dedup_keys, dedup_window_ms, issue_facts } = job.event;
            let at_ms = record.received_at_ms;
            let carries = |event_id: u64, key: &[u8; 32]| event_carries_key(t, &remembered, event_id, key);
            if let Some(event_id) = recent.duplicate_of(&dedup_keys, at_ms, dedup_window_ms, carries) {
                outcomes.push(IngestOutcome::Duplicate { event_id });
                continue;
            }
            let event_id = ids.next()?;
            let mut deliveries = Vec::with_capacity(job.deliveries.len());
            for delivery in job.deliveries {
                let mut record = delivery.record;
                record.event_id = event_id;
                deliveries.push((ids.next()?, record));
            }
            if let Some(NewIssueFacts { instance_id, issue_id, mut record }) = issue_facts {
                record.event_id = event_id;
                let key = super::issue_facts::key(&instance_id, &issue_id);
                if super::issue_facts::is_newer(t, &key, &record) {
                    facts.insert(key, codec::encode(IssueFactsRecordV1::VERSION, &record)?);
                }
            }
            if record.status.is_pending() {
                pending
                    .insert(&u64_key(event_id), record.instance_id.as_ref().map_or("", InstanceId::as_str).as_bytes());
            }
            let mut stored = EventRecordV2 { event: record, dedup_keys, deliveries };
            batch.insert(&u64_key(event_id), encode_stored(&mut stored)?);
            recent.remember(&stored.dedup_keys, Seen { event_id, at_ms });
            let delivery_ids = stored.deliveries.iter().map(|(id, _)| *id).collect();
            outcomes.push(IngestOutcome::Stored { event_id, delivery_ids });
            copies.through = Some(event_id);
            copies.deliveries.extend(stored.deliveries);
            remembered.push((stored.dedup_keys, event_id));
        }
        // Markers first: the log keeps writes in order, so after a crash an event waiting
        // to be routed is never found without its marker.
        t.pendingevent_instanceid.apply_batch(pending)?;
        t.eventid_event.apply_batch(batch)?;
        // After the events, and never failing them: the facts are a cache of what the events
        // say, and a webhook refused after its event was stored would be posted twice.
        if let Err(e) = t.issue_facts.apply_batch(facts) {
            tracing::warn!(error = %e, "could not keep the issue facts of stored events");
        }
        Ok::<(), StoreError>(())
    })();
    if let Err(e) = result {
        // Nothing of the batch is stored: a retry of any of its webhooks is new.
        for (keys, event_id) in remembered {
            recent.forget_event(&keys, event_id);
        }
        return Err(e);
    }
    Ok((outcomes, copies))
}

/// Whether event `event_id` (stored earlier, or earlier in this batch) has `key` among its
/// dedup keys: memory keeps a short form of each key, and a chance match of the short form
/// must not drop a new webhook. A record that cannot be read counts as no match.
fn event_carries_key(t: &Trees, this_batch: &[(Vec<[u8; 32]>, u64)], event_id: u64, key: &[u8; 32]) -> bool {
    if let Some((keys, _)) = this_batch.iter().find(|(_, id)| *id == event_id) {
        return keys.contains(key);
    }
    match t.eventid_event.get(u64_key(event_id)) {
        Ok(Some(bytes)) => decode_stored_without_body(&bytes).is_ok_and(|stored| stored.dedup_keys.contains(key)),
        _ => false,
    }
}

/// The trees of the outbox, inside one transaction.
pub(super) struct OutboxTx<'a> {
    pub deliveries: &'a TransactionalTree,
    pub lanes: &'a TransactionalTree,
}

/// Writes a new delivery and, while it is unfinished, its lane entry (see `deliveries`
/// for changes to one that exists).
pub(super) fn put_delivery(tx: &OutboxTx<'_>, id: u64, record: &DeliveryRecordV1) -> TxResult<()> {
    let body = codec::encode(DeliveryRecordV1::VERSION, record).map_err(abort)?;
    tx.deliveries.insert(&u64_key(id), body)?;
    if !record.state.is_finished() {
        tx.lanes.insert(codec::lane_key(record.lane.as_bytes(), id), &record.due_at_ms.to_be_bytes())?;
    }
    Ok(())
}

impl Store {
    /// How many events arrived on each day (days since the epoch, UTC) from `since_ms` on.
    /// Reads only each event's receipt time, newest first, and stops at `since_ms`.
    /// The events received since `since_ms` that no instance took (`unrouted`), newest
    /// first, at most `limit`: only their status is decoded until one is.
    pub fn unrouted_since(&self, since_ms: u64, limit: usize) -> Result<Vec<EventRecordV1>, StoreError> {
        let mut found = Vec::new();
        for entry in self.trees().eventid_event.iter().rev() {
            let (_, value) = entry?;
            if found.len() >= limit || received_at(&value)? < since_ms {
                break;
            }
            if decode_event_without_body(&value)?.status.kind == crate::store::states::RoutingKind::Unrouted {
                found.push(decode_event(&value)?);
            }
        }
        Ok(found)
    }

    pub fn events_per_day(&self, since_ms: u64) -> Result<std::collections::BTreeMap<u64, u64>, StoreError> {
        let mut days = std::collections::BTreeMap::new();
        for entry in self.trees().eventid_event.iter().rev() {
            let at = received_at(&entry?.1)?;
            if at < since_ms {
                break;
            }
            *days.entry(at / 86_400_000).or_insert(0) += 1;
        }
        Ok(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: u8, at: u64) -> NewEvent {
        crate::store::test_events::sample_event(key, at, 60_000)
    }

    #[test]
    fn events_are_written_compressed_and_read_back_whole() {
        let mut stored = EventRecordV2 { event: event(1, 5).record, dedup_keys: vec![[7; 32]], deliveries: vec![] };
        stored.event.raw_body = br#"{"user":{"self":"https://jira.example/rest/api/2/user?name=ann"},"#.repeat(200);
        let bytes = encode_stored(&mut stored).unwrap();
        assert_eq!(stored.event.raw_body.len(), 13_000, "the record is left as it was");
        assert_eq!(codec::split_version(&bytes).unwrap().0, EventRecordV2::VERSION_COMPRESSED);
        assert!(bytes.len() < 1_000, "repetitive JSON shrinks: {} bytes", bytes.len());
        assert_eq!(decode_event(&bytes).unwrap(), stored.event);
        let mut without_body = stored.clone();
        without_body.event.raw_body = Vec::new();
        assert_eq!(decode_stored_without_body(&bytes).unwrap(), without_body);
        assert_eq!(received_at(&bytes).unwrap(), 5);
    }

    #[test]
    fn a_damaged_compressed_body_is_an_error_not_a_panic() {
        let mut stored = EventRecordV2 { event: event(1, 5).record, dedup_keys: vec![], deliveries: vec![] };
        stored.event.raw_body = b"{}".repeat(500);
        let mut compressed = stored.clone();
        compressed.event.raw_body = lz4_flex::compress_prepend_size(&stored.event.raw_body);
        let cut_short = |b: &mut Vec<u8>| b.truncate(b.len() - 3);
        let huge_length = |b: &mut Vec<u8>| b[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        for damage in [&cut_short as &dyn Fn(&mut Vec<u8>), &huge_length] {
            let mut damaged = compressed.clone();
            damage(&mut damaged.event.raw_body);
            let bytes = codec::encode(EventRecordV2::VERSION_COMPRESSED, &damaged).unwrap();
            assert!(matches!(decode_event(&bytes), Err(StoreError::Codec(_))));
            let without_body = decode_stored_without_body(&bytes).unwrap();
            assert_eq!((without_body.event.received_at_ms, without_body.event.raw_body.len()), (5, 0));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_ingests_are_batched_durably_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let tasks: Vec<_> = (0..60u8)
            .map(|n| {
                let store = store.clone();
                // Keys repeat three times each: 20 distinct webhooks.
                tokio::spawn(async move { store.ingest_durable(event(n % 20, 1_000), vec![]).await.unwrap() })
            })
            .collect();
        let mut stored = 0;
        for task in tasks {
            if matches!(task.await.unwrap(), IngestOutcome::Stored { .. }) {
                stored += 1;
            }
        }
        assert_eq!(stored, 20);
        assert_eq!(store.event_count(), 20);
        drop(store);
        // The group-commit task notices the dropped store within its one-second poll.
        let mut reopened = Store::open(dir.path(), &Default::default());
        for _ in 0..30 {
            if reopened.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            reopened = Store::open(dir.path(), &Default::default());
        }
        let reopened = reopened.unwrap();
        assert_eq!(reopened.event_count(), 20, "acknowledged events are on disk");
    }
}
