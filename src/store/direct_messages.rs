//! Where the decision of personal DMs (SPEC §5.9) stands: `meta.dm_decided_through`, the
//! highest event id whose DMs are decided. The deciding task reads the events after it in
//! id order (receipt order, so each recipient gets their DMs in order), and adds an event's
//! DM deliveries and moves the mark in one transaction: after a crash, an event's DMs are
//! decided again only if none of them was stored.

use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::codec::{self, u64_key};
use super::events::{put_delivery, OutboxTx};
use super::records::EventRecordV1;
use super::{NewDelivery, Store, StoreError};

const DECIDED_THROUGH_KEY: &[u8] = b"dm_decided_through";

impl Store {
    /// The highest event id whose DMs are decided; a store that never decided any starts
    /// after its newest event (no DMs for what arrived before the feature ran).
    pub fn dm_decided_through(&self) -> Result<u64, StoreError> {
        match self.trees().meta.get(DECIDED_THROUGH_KEY)? {
            Some(bytes) => Ok(codec::read_u64(&bytes).unwrap_or(0)),
            None => {
                let newest = self.newest_event_id()?.unwrap_or(0);
                self.write_gate_insert(&self.trees().meta, DECIDED_THROUGH_KEY, newest.to_be_bytes().to_vec())?;
                Ok(newest)
            }
        }
    }

    /// Moves the mark to the newest event without reading any (nobody is connected, so no
    /// event can make a DM).
    pub fn dm_skip_to_newest(&self) -> Result<(), StoreError> {
        let Some(newest) = self.newest_event_id()? else {
            return Ok(());
        };
        if newest > self.dm_decided_through()? {
            self.write_gate_insert(&self.trees().meta, DECIDED_THROUGH_KEY, newest.to_be_bytes().to_vec())?;
        }
        Ok(())
    }

    /// Moves the mark to `event_id`, decided without DMs (a plain insert: were it lost in a
    /// crash, those events would be decided again, still without DMs).
    pub fn dm_mark_decided(&self, event_id: u64) -> Result<(), StoreError> {
        self.write_gate_insert(&self.trees().meta, DECIDED_THROUGH_KEY, event_id.to_be_bytes().to_vec())
    }

    fn newest_event_id(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.trees().eventid_event.last()?.and_then(|(key, _)| codec::read_u64(&key)))
    }

    /// Up to `limit` events after `after`, oldest first, with their raw bodies.
    pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, EventRecordV1)>, StoreError> {
        let mut out = Vec::new();
        for entry in self.trees().eventid_event.range(u64_key(after.saturating_add(1))..).take(limit) {
            let (key, value) = entry?;
            let Some(id) = codec::read_u64(&key) else { continue };
            out.push((id, super::event_codec::decode_event(&value)?));
        }
        Ok(out)
    }

    /// Stores the DM deliveries of `event_id` and moves the mark to it, in one transaction;
    /// answers the delivery ids. Then flushes: a DM decided is not decided twice.
    pub fn add_direct_messages(&self, event_id: u64, deliveries: Vec<NewDelivery>) -> Result<Vec<u64>, StoreError> {
        let ids = deliveries.iter().map(|_| self.next_id()).collect::<Result<Vec<u64>, StoreError>>()?;
        let t = self.trees();
        {
            let _gate = self.write_gate()?;
            let trees = (&t.deliveryid_delivery, &t.lane_deliveryid, &t.meta);
            trees.transaction(|(stored, lanes, meta)| {
                for (delivery, id) in deliveries.iter().zip(&ids) {
                    let mut record = delivery.record.clone();
                    record.event_id = event_id;
                    put_delivery(&OutboxTx { deliveries: stored, lanes }, *id, &record)?;
                }
                meta.insert(DECIDED_THROUGH_KEY, &event_id.to_be_bytes())?;
                Ok::<(), ConflictableTransactionError<StoreError>>(())
            })?;
        }
        if !ids.is_empty() {
            self.flush_now()?;
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_events::{sample_delivery, sample_event};
    use crate::store::IngestOutcome;

    #[test]
    fn the_mark_starts_after_old_events_and_moves_with_the_deliveries() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let IngestOutcome::Stored { event_id: old, .. } = store.ingest(sample_event(1, 10, 0), vec![]).unwrap() else {
            panic!()
        };
        assert_eq!(store.dm_decided_through().unwrap(), old, "nothing from before");
        let IngestOutcome::Stored { event_id: new, .. } = store.ingest(sample_event(2, 20, 0), vec![]).unwrap() else {
            panic!()
        };
        let after: Vec<u64> = store.events_after(old, 10).unwrap().iter().map(|(id, _)| *id).collect();
        assert_eq!(after, [new]);
        let ids = store.add_direct_messages(new, vec![sample_delivery("dm-lane", 20)]).unwrap();
        assert_eq!(store.dm_decided_through().unwrap(), new);
        assert_eq!(store.delivery(ids[0]).unwrap().unwrap().event_id, new);
        assert_eq!(store.due_head_of_lane("dm-lane", u64::MAX).unwrap().map(|d| d.id), Some(ids[0]));
    }
}
