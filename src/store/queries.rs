//! Admin views of events and deliveries: newest first, filtered while scanning so that
//! nothing is loaded beyond what is shown; and deliveries added to a stored event (replay).

use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::codec::{self, u64_key};
use super::events::{
    decode_event, decode_event_without_body, decode_stored_without_body, encode_stored, put_delivery, OutboxTx,
};
use super::records::{DeliveryRecordV1, EventRecordV1};
use super::{DueDelivery, NewDelivery, Store, StoreError};

impl Store {
    /// Events received at or after `since_ms` that `wanted` accepts, newest first, at most
    /// `limit`, **without their raw bodies** (searching reads only what is indexed in the
    /// record, so no body is decompressed). Walks the events backwards (ids rise with
    /// receipt) and stops at `since_ms`.
    pub fn events_newest_first(
        &self,
        since_ms: u64,
        limit: usize,
        wanted: impl FnMut(&EventRecordV1) -> bool,
    ) -> Result<Vec<(u64, EventRecordV1)>, StoreError> {
        self.newest_first(since_ms, limit, decode_event_without_body, wanted)
    }

    /// The newest `limit` events, newest first, with their bodies.
    pub fn recent_events(&self, limit: usize) -> Result<Vec<(u64, EventRecordV1)>, StoreError> {
        self.newest_first(0, limit, decode_event, |_| true)
    }

    fn newest_first(
        &self,
        since_ms: u64,
        limit: usize,
        decode: fn(&[u8]) -> Result<EventRecordV1, StoreError>,
        mut wanted: impl FnMut(&EventRecordV1) -> bool,
    ) -> Result<Vec<(u64, EventRecordV1)>, StoreError> {
        let mut out = Vec::new();
        for entry in self.trees().eventid_event.iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (key, value) = entry?;
            let Some(id) = codec::read_u64(&key) else { continue };
            let event = decode(&value)?;
            if event.received_at_ms < since_ms {
                break;
            }
            if wanted(&event) {
                out.push((id, event));
            }
        }
        Ok(out)
    }

    /// Deliveries that `wanted` accepts, newest first, at most `limit`.
    pub fn deliveries_newest_first(
        &self,
        limit: usize,
        mut wanted: impl FnMut(&DeliveryRecordV1) -> bool,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        self.outbox_settled();
        let mut out = Vec::new();
        for entry in self.trees().deliveryid_delivery.iter().rev() {
            if out.len() >= limit {
                break;
            }
            let (key, value) = entry?;
            let Some(id) = codec::read_u64(&key) else { continue };
            let record: DeliveryRecordV1 = codec::decode(DeliveryRecordV1::VERSION, &value)?;
            if wanted(&record) {
                out.push(DueDelivery { id, record });
            }
        }
        Ok(out)
    }

    /// The deliveries made for an event, oldest first. Ids only grow, so every delivery of
    /// an event (at ingest or replayed later) has a larger id than the event: the scan
    /// starts there rather than at the beginning.
    pub fn deliveries_of_event(&self, event_id: u64) -> Result<Vec<DueDelivery>, StoreError> {
        self.outbox_settled();
        let mut out = Vec::new();
        for entry in self.trees().deliveryid_delivery.range(u64_key(event_id.saturating_add(1))..) {
            let (key, value) = entry?;
            let Some(id) = codec::read_u64(&key) else { continue };
            let record: DeliveryRecordV1 = codec::decode(DeliveryRecordV1::VERSION, &value)?;
            if record.event_id == event_id {
                out.push(DueDelivery { id, record });
            }
        }
        Ok(out)
    }

    /// Adds deliveries to a stored event and records how it was routed, in one
    /// transaction that also ends its wait for routing, if it was waiting. Dedup keys are not touched. Not yet durable: await [`Store::durable`]
    /// before answering (synchronous, so it can run on a blocking thread, see `Store::run`).
    pub fn add_deliveries(
        &self,
        event_id: u64,
        routed: &EventRecordV1,
        deliveries: Vec<NewDelivery>,
    ) -> Result<Vec<u64>, StoreError> {
        let ids = deliveries.iter().map(|_| self.next_id()).collect::<Result<Vec<u64>, StoreError>>()?;
        let t = self.trees();
        // What the event carries besides itself (dedup keys, first deliveries) is kept.
        let mut stored = match t.eventid_event.get(u64_key(event_id))? {
            Some(bytes) => decode_stored_without_body(&bytes)?,
            None => return Err(StoreError::Codec(format!("event {event_id} is not stored"))),
        };
        stored.event = routed.clone();
        let event = encode_stored(&mut stored)?;
        let _gate = self.write_gate()?;
        let trees = (&t.eventid_event, &t.deliveryid_delivery, &t.lane_deliveryid, &t.pendingevent_instanceid);
        trees.transaction(|(events, stored, lanes, pending)| {
            events.insert(&u64_key(event_id), event.clone())?;
            pending.remove(&u64_key(event_id))?;
            for (delivery, id) in deliveries.iter().zip(&ids) {
                let mut record = delivery.record.clone();
                record.event_id = event_id;
                put_delivery(&OutboxTx { deliveries: stored, lanes }, *id, &record)?;
            }
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        })?;
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::{RoutingKind, RoutingStatus};
    use crate::store::test_events::sample_delivery;
    use crate::store::IngestOutcome;

    fn stored(outcome: IngestOutcome) -> u64 {
        match outcome {
            IngestOutcome::Stored { event_id, .. } => event_id,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn events_come_newest_first_and_replayed_deliveries_join_their_event() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let sample = crate::store::test_events::sample_event;
        let first = stored(store.ingest(sample(1, 100, 0), vec![sample_delivery("a", 1)]).unwrap());
        let second = stored(store.ingest(sample(2, 200, 0), vec![sample_delivery("b", 1)]).unwrap());
        let third = stored(store.ingest(sample(3, 300, 0), vec![]).unwrap());
        let newest: Vec<u64> = store.events_newest_first(0, 10, |_| true).unwrap().iter().map(|e| e.0).collect();
        assert_eq!(newest, [third, second, first]);
        let since: Vec<u64> = store.events_newest_first(200, 10, |_| true).unwrap().iter().map(|e| e.0).collect();
        assert_eq!(since, [third, second]);
        assert_eq!(store.recent_events(1).unwrap()[0].1.raw_body, [3], "recent events carry their bodies");
        assert!(store.events_newest_first(0, 1, |_| true).unwrap()[0].1.raw_body.is_empty(), "a search does not");

        let mut routed = store.event(first).unwrap().unwrap();
        routed.status = RoutingStatus::with_note(RoutingKind::Routed, "again");
        let added = store.add_deliveries(first, &routed, vec![sample_delivery("a", 1)]).unwrap();
        store.durable().await.unwrap();
        let of_first: Vec<u64> = store.deliveries_of_event(first).unwrap().iter().map(|d| d.id).collect();
        assert_eq!(of_first.len(), 2);
        assert_eq!(of_first[1], added[0]);
        assert_eq!(store.event(first).unwrap().unwrap().status.to_string(), "routed, again");
        let newest = store.deliveries_newest_first(1, |d| d.lane == "a").unwrap();
        assert_eq!(newest[0].id, added[0]);
    }
}
