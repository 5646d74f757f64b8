//! Events and their deliveries, written together in one transaction (persist-then-ack).

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional;

use super::codec::{self, pair_key, u64_key};
use super::records::{DedupRecordV1, DeliveryRecordV1, EventRecordV1};
use super::{Store, StoreError};

/// An event to store, with the transport dedup key that identifies it.
pub struct NewEvent {
    pub record: EventRecordV1,
    pub dedup_key: [u8; 32],
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

impl Store {
    /// Stores the event, its dedup key and its deliveries atomically. Not yet durable:
    /// await [`Store::durable`] before acknowledging.
    pub fn ingest(&self, event: NewEvent, deliveries: Vec<NewDelivery>) -> Result<IngestOutcome, StoreError> {
        let event_id = self.next_id()?;
        let mut delivery_ids = Vec::with_capacity(deliveries.len());
        for _ in &deliveries {
            delivery_ids.push(self.next_id()?);
        }
        let t = self.trees();
        let trees =
            (&t.eventid_event, &t.receivedat_eventid, &t.dedupkey_eventid, &t.deliveryid_delivery, &t.dueat_deliveryid);
        let outcome = trees.transaction(|(events, by_time, dedup, deliveries_tree, due)| {
            if let Some(existing) = duplicate_of(dedup, &event)? {
                return Ok(IngestOutcome::Duplicate { event_id: existing });
            }
            let received = event.record.received_at_ms;
            let seen = DedupRecordV1 { event_id, seen_at_ms: received };
            dedup.insert(&event.dedup_key[..], codec::encode(DedupRecordV1::VERSION, &seen).map_err(abort)?)?;
            let body = codec::encode(EventRecordV1::VERSION, &event.record).map_err(abort)?;
            events.insert(&u64_key(event_id), body)?;
            by_time.insert(&pair_key(received, event_id), &[][..])?;
            for (delivery, id) in deliveries.iter().zip(&delivery_ids) {
                let mut record = delivery.record.clone();
                record.event_id = event_id;
                put_delivery(deliveries_tree, due, *id, &record)?;
            }
            Ok(IngestOutcome::Stored { event_id, delivery_ids: delivery_ids.clone() })
        })?;
        Ok(outcome)
    }

    /// Reads one stored event.
    pub fn event(&self, event_id: u64) -> Result<Option<EventRecordV1>, StoreError> {
        match self.trees().eventid_event.get(u64_key(event_id))? {
            Some(bytes) => Ok(Some(codec::decode(EventRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
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
                t.dedupkey_eventid.remove(key)?;
            }
        }
        Ok(removed)
    }
}

fn duplicate_of(dedup: &TransactionalTree, event: &NewEvent) -> TxResult<Option<u64>> {
    let Some(bytes) = dedup.get(&event.dedup_key[..])? else {
        return Ok(None);
    };
    let seen: DedupRecordV1 = codec::decode(DedupRecordV1::VERSION, &bytes).map_err(abort)?;
    let age = event.record.received_at_ms.saturating_sub(seen.seen_at_ms);
    Ok((age < event.dedup_window_ms).then_some(seen.event_id))
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
