//! Events and their deliveries, written together in one transaction (persist-then-ack).

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional;

use super::codec::{self, pair_key, u64_key};
use super::records::{DedupRecordV1, DeliveryRecordV1, EventRecordV1};
use super::{Store, StoreError, Trees};

/// An event to store, with the transport dedup key that identifies it.
pub struct NewEvent {
    pub record: EventRecordV1,
    /// Keys that identify this webhook (transport, and content when known); any key seen
    /// within the window makes it a duplicate.
    pub dedup_keys: Vec<[u8; 32]>,
    pub dedup_window_ms: u64,
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

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// One webhook to store, with its ids already drawn.
pub(super) struct IngestJob {
    event: NewEvent,
    deliveries: Vec<NewDelivery>,
    event_id: u64,
    delivery_ids: Vec<u64>,
}

impl Store {
    fn job(&self, event: NewEvent, deliveries: Vec<NewDelivery>) -> Result<IngestJob, StoreError> {
        let event_id = self.next_id()?;
        let delivery_ids = deliveries.iter().map(|_| self.next_id()).collect::<Result<Vec<u64>, StoreError>>()?;
        Ok(IngestJob { event, deliveries, event_id, delivery_ids })
    }

    /// Stores the event, its dedup key and its deliveries atomically and returns once they
    /// are on disk (persist-then-ack). Batched with concurrent calls by the ingest writer.
    pub async fn ingest_durable(
        &self,
        event: NewEvent,
        deliveries: Vec<NewDelivery>,
    ) -> Result<IngestOutcome, StoreError> {
        let job = self.job(event, deliveries)?;
        match &self.inner.writer {
            Some(writer) => writer.ingest(job).await,
            None => {
                let stored = {
                    let _gate = self.write_gate();
                    ingest_batch(self.trees(), std::slice::from_ref(&job))
                };
                let outcome = stored?.remove(0);
                self.flush_now()?;
                Ok(outcome)
            }
        }
    }

    /// Stores the event, its dedup key and its deliveries atomically. Not yet durable:
    /// await [`Store::durable`] before acknowledging.
    pub fn ingest(&self, event: NewEvent, deliveries: Vec<NewDelivery>) -> Result<IngestOutcome, StoreError> {
        let job = self.job(event, deliveries)?;
        let _gate = self.write_gate();
        Ok(ingest_batch(self.trees(), std::slice::from_ref(&job))?.remove(0))
    }

    /// Reads one stored event.
    pub fn event(&self, event_id: u64) -> Result<Option<EventRecordV1>, StoreError> {
        match self.trees().eventid_event.get(u64_key(event_id))? {
            Some(bytes) => Ok(Some(codec::decode(EventRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    /// The newest `limit` events, newest first.
    pub fn recent_events(&self, limit: usize) -> Result<Vec<(u64, EventRecordV1)>, StoreError> {
        let mut out = Vec::new();
        for entry in self.trees().eventid_event.iter().rev().take(limit) {
            let (key, value) = entry?;
            let Some(id) = codec::read_u64(&key) else { continue };
            out.push((id, codec::decode(EventRecordV1::VERSION, &value)?));
        }
        Ok(out)
    }

    /// Number of stored events.
    pub fn event_count(&self) -> usize {
        self.trees().eventid_event.len()
    }

    /// Deletes events received before `cutoff_ms` and their dedup keys' index entries.
    /// Deliveries are swept separately (finished ones only).
    pub fn sweep_events_before(&self, cutoff_ms: u64) -> Result<usize, StoreError> {
        let t = self.trees();
        let mut removed = 0;
        for entry in t.receivedat_eventid.range(..pair_key(cutoff_ms, 0)) {
            let (key, _) = entry?;
            let _gate = self.write_gate();
            if let Some((_, event_id)) = codec::split_pair_key(&key) {
                t.eventid_event.remove(u64_key(event_id))?;
            }
            t.receivedat_eventid.remove(key)?;
            removed += 1;
        }
        for entry in t.dedupkey_eventid.iter() {
            let (key, value) = entry?;
            let seen: DedupRecordV1 = codec::decode(DedupRecordV1::VERSION, &value)?;
            if seen.seen_at_ms < cutoff_ms {
                let _gate = self.write_gate();
                t.dedupkey_eventid.remove(key)?;
            }
        }
        Ok(removed)
    }
}

/// Stores a batch of webhooks in one transaction; a duplicate within the batch is seen
/// because the transaction reads its own writes.
pub(super) fn ingest_batch(t: &Trees, jobs: &[IngestJob]) -> Result<Vec<IngestOutcome>, StoreError> {
    // Every caller holds the write gate around this call.
    let trees =
        (&t.eventid_event, &t.receivedat_eventid, &t.dedupkey_eventid, &t.deliveryid_delivery, &t.dueat_deliveryid);
    let outcomes = trees.transaction(|(events, by_time, dedup, deliveries_tree, due)| {
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            let event = &job.event;
            if let Some(existing) = duplicate_of(dedup, event)? {
                outcomes.push(IngestOutcome::Duplicate { event_id: existing });
                continue;
            }
            let received = event.record.received_at_ms;
            let seen = DedupRecordV1 { event_id: job.event_id, seen_at_ms: received };
            let seen = codec::encode(DedupRecordV1::VERSION, &seen).map_err(abort)?;
            for key in &event.dedup_keys {
                dedup.insert(&key[..], seen.clone())?;
            }
            let body = codec::encode(EventRecordV1::VERSION, &event.record).map_err(abort)?;
            events.insert(&u64_key(job.event_id), body)?;
            by_time.insert(&pair_key(received, job.event_id), &[][..])?;
            for (delivery, id) in job.deliveries.iter().zip(&job.delivery_ids) {
                let mut record = delivery.record.clone();
                record.event_id = job.event_id;
                put_delivery(deliveries_tree, due, *id, &record)?;
            }
            outcomes.push(IngestOutcome::Stored { event_id: job.event_id, delivery_ids: job.delivery_ids.clone() });
        }
        Ok(outcomes)
    })?;
    Ok(outcomes)
}

fn duplicate_of(dedup: &TransactionalTree, event: &NewEvent) -> TxResult<Option<u64>> {
    for key in &event.dedup_keys {
        let Some(bytes) = dedup.get(&key[..])? else { continue };
        let seen: DedupRecordV1 = codec::decode(DedupRecordV1::VERSION, &bytes).map_err(abort)?;
        if event.record.received_at_ms.saturating_sub(seen.seen_at_ms) < event.dedup_window_ms {
            return Ok(Some(seen.event_id));
        }
    }
    Ok(None)
}

/// Writes a delivery and its due-time index entry (the entry exists while unfinished).
pub(super) fn put_delivery(
    deliveries: &TransactionalTree,
    due: &TransactionalTree,
    id: u64,
    record: &DeliveryRecordV1,
) -> TxResult<()> {
    let body = codec::encode(DeliveryRecordV1::VERSION, record).map_err(abort)?;
    deliveries.insert(&u64_key(id), body)?;
    due.insert(&pair_key(record.due_at_ms, id), record.lane.as_bytes())?;
    Ok(())
}

impl Store {
    /// How many events arrived on each day (days since the epoch, UTC) from `since_ms` on.
    /// Reads only the time index, not the events.
    pub fn events_per_day(&self, since_ms: u64) -> Result<std::collections::BTreeMap<u64, u64>, StoreError> {
        let mut days = std::collections::BTreeMap::new();
        for entry in self.trees().receivedat_eventid.range(pair_key(since_ms, 0).to_vec()..) {
            let (key, _) = entry?;
            if let Some((at, _)) = codec::split_pair_key(&key) {
                *days.entry(at / 86_400_000).or_insert(0) += 1;
            }
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
