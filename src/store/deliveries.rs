//! The outbox: deliveries by id, and the lane index of unfinished ones.
//!
//! Ordering rule: within a lane (one destination channel) only the unfinished delivery
//! with the lowest id may be sent, so posts appear in receipt order.
//!
//! A change to a delivery that exists writes its record and its lane entry as two plain
//! inserts under the store's `outbox_changes` lock, not as a transaction: sled 0.34 writes
//! out its log buffer at the start of every multi-tree transaction, and one of those per post
//! made draining a backlog a stream of small disk writes. sled recovers a prefix of its log,
//! and the order of the two writes (see `write_delivery`) means a crash can only leave a lane
//! entry pointing at a finished or removed delivery, or one with a stale due time, never an
//! unfinished delivery without its entry. Readers therefore check the record behind each
//! lane entry, and drop an entry whose delivery is finished.

use std::collections::HashSet;

use super::codec::{self, after_lane, split_lane_key, u64_key};
use super::records::{DeliveryRecordV1, DeliveryState};
use super::{Store, StoreError};

/// The head of a lane whose due time has come.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: u64,
    pub record: DeliveryRecordV1,
}

/// Unfinished deliveries per state, for metrics and the dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutboxCounts {
    pub pending: u64,
    pub in_flight: u64,
    pub retrying: u64,
}

impl Store {
    /// Lane heads due at `now_ms`, skipping lanes in `busy`, oldest first, at most `limit`.
    pub fn due_lane_heads(
        &self,
        now_ms: u64,
        busy: &HashSet<String>,
        limit: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        self.due_lane_heads_except(now_ms, busy, &HashSet::new(), limit)
    }

    /// [`Store::due_lane_heads`] without the heads whose ids are in `skip` (tried already).
    pub fn due_lane_heads_except(
        &self,
        now_ms: u64,
        busy: &HashSet<String>,
        skip: &HashSet<u64>,
        limit: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let due = |(id, due): &(u64, u64)| *due <= now_ms && !skip.contains(id);
        let mut ready: Vec<(u64, u64)> = self.lane_heads(busy)?.into_iter().filter(due).collect();
        ready.sort_unstable();
        let mut out = Vec::new();
        for (id, _) in ready.into_iter().take(limit) {
            match self.unfinished(id) {
                Ok(Some(record)) => out.push(DueDelivery { id, record }),
                Ok(None) => {}
                // One unreadable record must not stop every other channel.
                Err(e) => tracing::error!(delivery = id, error = %e, "skipping an unreadable delivery"),
            }
        }
        Ok(out)
    }

    /// The head of `lane` if it is due at `now_ms`.
    pub fn due_head_of_lane(&self, lane: &str, now_ms: u64) -> Result<Option<DueDelivery>, StoreError> {
        self.outbox_settled();
        let lanes = &self.trees().lane_deliveryid;
        for entry in lanes.scan_prefix(codec::lane_prefix(lane.as_bytes())) {
            let (key, due) = entry?;
            let Some((_, id)) = split_lane_key(&key) else { continue };
            let Some(record) = self.unfinished(id)? else { continue };
            let due = codec::read_u64(&due).unwrap_or(0).max(record.due_at_ms);
            return Ok((due <= now_ms).then_some(DueDelivery { id, record }));
        }
        Ok(None)
    }

    /// The delivery behind a lane entry, if it is unfinished; an entry a crash left behind
    /// its finished (or swept) record is removed.
    fn unfinished(&self, id: u64) -> Result<Option<DeliveryRecordV1>, StoreError> {
        let record = self.delivery(id)?;
        if let Some(record) = record.filter(|r| !r.state.is_finished()) {
            return Ok(Some(record));
        }
        let _changes = self.inner.outbox_changes.lock().unwrap_or_else(|p| p.into_inner());
        let record = self.delivery(id)?;
        if let Some(record) = record.filter(|r| !r.state.is_finished()) {
            return Ok(Some(record)); // made unfinished again meanwhile (an admin's retry)
        }
        if let Some(lane) = self.lane_of(id)? {
            let _gate = self.write_gate()?;
            self.trees().lane_deliveryid.remove(codec::lane_key(&lane, id))?;
        }
        Ok(None)
    }

    /// The lane of the lane entry holding `id`, found through its record or, for a removed
    /// record, by looking at every lane's entries (only ever after a crash).
    fn lane_of(&self, id: u64) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(record) = self.delivery(id)? {
            return Ok(Some(record.lane.into_bytes()));
        }
        for entry in self.trees().lane_deliveryid.iter() {
            let (key, _) = entry?;
            if let Some((lane, _)) = split_lane_key(&key).filter(|(_, found)| *found == id) {
                return Ok(Some(lane.to_vec()));
            }
        }
        Ok(None)
    }

    /// Earliest due time among the heads of lanes not in `busy`: when the worker has work.
    pub fn next_lane_due_ms(&self, busy: &HashSet<String>) -> Result<Option<u64>, StoreError> {
        Ok(self.lane_heads(busy)?.into_iter().map(|(_, due)| due).min())
    }

    /// (lowest id, its due time) of each lane with unfinished deliveries, except `busy` ones:
    /// the first key of each lane in the lane index, one lookup per lane however long the
    /// lanes are.
    fn lane_heads(&self, busy: &HashSet<String>) -> Result<Vec<(u64, u64)>, StoreError> {
        self.outbox_settled();
        let lanes = &self.trees().lane_deliveryid;
        let mut heads = Vec::new();
        let mut next = lanes.first()?;
        while let Some((key, due)) = next {
            let Some((lane, id)) = split_lane_key(&key) else {
                next = lanes.range(after_key(&key)..).next().transpose()?;
                continue;
            };
            if !busy.contains(String::from_utf8_lossy(lane).as_ref()) {
                heads.push((id, codec::read_u64(&due).unwrap_or(0)));
            }
            next = lanes.range(after_lane(lane)..).next().transpose()?;
        }
        Ok(heads)
    }

    /// Reads one delivery.
    pub fn delivery(&self, id: u64) -> Result<Option<DeliveryRecordV1>, StoreError> {
        self.outbox_settled();
        match self.trees().deliveryid_delivery.get(u64_key(id))? {
            Some(bytes) => Ok(Some(codec::decode(DeliveryRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Replaces a delivery and its lane entry (removed once it is `done` or `dead`).
    pub fn update_delivery(&self, id: u64, record: &DeliveryRecordV1) -> Result<(), StoreError> {
        let _changes = self.inner.outbox_changes.lock().unwrap_or_else(|p| p.into_inner());
        self.write_delivery(id, record)
    }

    /// Replaces a delivery only if it is still `expected` (compare and swap); `false` when
    /// it changed meanwhile (e.g. the worker finished it), and nothing is written.
    pub fn replace_delivery(
        &self,
        id: u64,
        expected: &DeliveryRecordV1,
        record: &DeliveryRecordV1,
    ) -> Result<bool, StoreError> {
        let _changes = self.inner.outbox_changes.lock().unwrap_or_else(|p| p.into_inner());
        if self.delivery(id)?.as_ref() != Some(expected) {
            return Ok(false);
        }
        self.write_delivery(id, record).map(|()| true)
    }

    /// Writes the record and its lane entry so that a crash between the two can only leave
    /// an entry readers drop (see the header): an unfinished delivery gets its lane entry
    /// first (a revived one is never left without one), a finished one loses it last. The
    /// caller holds `outbox_changes`.
    fn write_delivery(&self, id: u64, record: &DeliveryRecordV1) -> Result<(), StoreError> {
        let t = self.trees();
        let body = codec::encode(DeliveryRecordV1::VERSION, record)?;
        let _gate = self.write_gate()?;
        let lane = codec::lane_key(record.lane.as_bytes(), id);
        if record.state.is_finished() {
            t.deliveryid_delivery.insert(u64_key(id), body)?;
            t.lane_deliveryid.remove(lane)?;
        } else {
            t.lane_deliveryid.insert(lane, &record.due_at_ms.to_be_bytes())?;
            t.deliveryid_delivery.insert(u64_key(id), body)?;
        }
        Ok(())
    }

    /// Counts unfinished deliveries by state.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.outbox_settled();
        let mut counts = OutboxCounts::default();
        for entry in self.trees().lane_deliveryid.iter() {
            let (key, _) = entry?;
            let Some((_, id)) = split_lane_key(&key) else { continue };
            match self.delivery(id)?.map(|r| r.state).filter(|state| !state.is_finished()) {
                Some(DeliveryState::InFlight) => counts.in_flight += 1,
                Some(DeliveryState::Retrying) => counts.retrying += 1,
                Some(_) => counts.pending += 1,
                None => {}
            }
        }
        Ok(counts)
    }

    /// Every stored delivery, finished or not (tests and admin views).
    pub fn all_deliveries(&self) -> Result<Vec<DueDelivery>, StoreError> {
        self.outbox_settled();
        let mut out = Vec::new();
        for entry in self.trees().deliveryid_delivery.iter() {
            let (key, value) = entry?;
            let Some(id) = codec::read_u64(&key) else { continue };
            out.push(DueDelivery { id, record: codec::decode(DeliveryRecordV1::VERSION, &value)? });
        }
        Ok(out)
    }

    /// Removes finished deliveries that finished before `cutoff_ms`.
    /// Streams the tree: a large outbox is never read into memory at once.
    pub fn sweep_finished_deliveries_before(&self, cutoff_ms: u64) -> Result<usize, StoreError> {
        self.outbox_settled();
        let mut removed = 0;
        for entry in self.trees().deliveryid_delivery.iter() {
            let (key, value) = entry?;
            let record: DeliveryRecordV1 = codec::decode(DeliveryRecordV1::VERSION, &value)?;
            let finished_early = record.finished_at_ms.is_some_and(|at| at < cutoff_ms);
            if record.state.is_finished() && finished_early {
                // Only if it is still that record: an admin's retry may have revived it.
                let _changes = self.inner.outbox_changes.lock().unwrap_or_else(|p| p.into_inner());
                let _gate = self.write_gate()?;
                if self.trees().deliveryid_delivery.compare_and_swap(&key, Some(&value), None as Option<&[u8]>)?.is_ok()
                {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// The key right after `key`, to step past one that is not a lane key.
fn after_key(key: &[u8]) -> Vec<u8> {
    let mut after = key.to_vec();
    after.push(0);
    after
}

impl Store {
    /// Folds the deliveries created at or after `since_ms` into `acc`, newest first, one at a
    /// time: summaries over days of deliveries (a backlog can be hundreds of thousands) never
    /// hold them all. Ids grow with time, so the scan stops at the first older one.
    pub fn fold_recent_deliveries<T>(
        &self,
        since_ms: u64,
        mut acc: T,
        mut add: impl FnMut(&mut T, DueDelivery),
    ) -> Result<T, StoreError> {
        self.outbox_settled();
        for entry in self.trees().deliveryid_delivery.iter().rev() {
            let (key, value) = entry?;
            let Some(id) = codec::read_u64(&key) else { continue };
            let record: DeliveryRecordV1 = codec::decode(DeliveryRecordV1::VERSION, &value)?;
            if record.created_at_ms < since_ms {
                break;
            }
            add(&mut acc, DueDelivery { id, record });
        }
        Ok(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_events::sample_delivery;
    use crate::store::{IngestOutcome, NewEvent};

    fn event(n: u8, at: u64) -> NewEvent {
        crate::store::test_events::sample_event(n, at, 1000)
    }

    fn ids(outcome: IngestOutcome) -> Vec<u64> {
        match outcome {
            IngestOutcome::Stored { delivery_ids, .. } => delivery_ids,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_the_oldest_unfinished_delivery_of_a_lane_is_due() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let first = ids(store.ingest(event(1, 10), vec![sample_delivery("a", 10), sample_delivery("b", 10)]).unwrap());
        let second = ids(store.ingest(event(2, 20), vec![sample_delivery("a", 20)]).unwrap());
        let due: Vec<u64> = store.due_lane_heads(100, &HashSet::new(), 10).unwrap().iter().map(|d| d.id).collect();
        assert_eq!(due, vec![first[0], first[1]]);
        let mut done = store.delivery(first[0]).unwrap().unwrap();
        done.state = DeliveryState::Done;
        done.finished_at_ms = Some(30);
        store.update_delivery(first[0], &done).unwrap();
        let due: Vec<u64> = store.due_lane_heads(100, &HashSet::new(), 10).unwrap().iter().map(|d| d.id).collect();
        assert_eq!(due, vec![first[1], second[0]]);
        let busy: HashSet<String> = ["b".to_string()].into();
        assert_eq!(store.due_lane_heads(100, &busy, 10).unwrap().len(), 1);
        assert_eq!(store.outbox_counts().unwrap(), OutboxCounts { pending: 2, in_flight: 0, retrying: 0 });
        assert_eq!(store.sweep_finished_deliveries_before(31).unwrap(), 1);
        assert!(store.delivery(first[0]).unwrap().is_none());
    }

    #[test]
    fn a_retried_head_blocks_its_lane_until_due() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let first = ids(store.ingest(event(1, 10), vec![sample_delivery("a", 10)]).unwrap());
        ids(store.ingest(event(2, 20), vec![sample_delivery("a", 20)]).unwrap());
        let mut retrying = store.delivery(first[0]).unwrap().unwrap();
        retrying.state = DeliveryState::Retrying;
        retrying.due_at_ms = 500;
        store.update_delivery(first[0], &retrying).unwrap();
        assert!(store.due_lane_heads(100, &HashSet::new(), 10).unwrap().is_empty());
        assert_eq!(store.next_lane_due_ms(&HashSet::new()).unwrap(), Some(500), "the blocked lane waits for its head");
        assert_eq!(store.due_lane_heads(600, &HashSet::new(), 10).unwrap()[0].id, first[0]);
    }

    #[test]
    fn a_finish_written_over_a_changed_due_time_leaves_no_index_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let id = ids(store.ingest(event(1, 10), vec![sample_delivery("a", 10)]).unwrap())[0];
        let read = store.delivery(id).unwrap().unwrap();
        // An admin's retry moves it to due 50 while the worker sends it.
        let mut retried = read.clone();
        retried.due_at_ms = 50;
        assert!(store.replace_delivery(id, &read, &retried).unwrap());
        // The worker finishes with the due time it read.
        let mut done = read.clone();
        done.state = DeliveryState::Done;
        store.update_delivery(id, &done).unwrap();
        assert!(store.due_lane_heads(u64::MAX, &HashSet::new(), 10).unwrap().is_empty());
        assert_eq!(store.outbox_counts().unwrap(), OutboxCounts::default(), "no stale due entry");
        // A retry that read the delivery before it was done changes nothing.
        assert!(!store.replace_delivery(id, &retried, &read).unwrap());
        assert_eq!(store.delivery(id).unwrap().unwrap().state, DeliveryState::Done);
    }

    /// A crash between a finished record and the removal of its lane entry (or a sweep of
    /// the record after such a crash) must not make the lane post it again or stall.
    #[test]
    fn a_lane_entry_a_crash_left_behind_its_record_is_skipped_and_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let a = ids(store.ingest(event(1, 10), vec![sample_delivery("a", 10)]).unwrap())[0];
        let b = ids(store.ingest(event(2, 20), vec![sample_delivery("a", 20)]).unwrap())[0];
        let c = ids(store.ingest(event(3, 30), vec![sample_delivery("a", 30)]).unwrap())[0];
        let mut done = store.delivery(a).unwrap().unwrap();
        done.state = DeliveryState::Done;
        // What a crash leaves, written straight to the trees (no gate: nothing else runs).
        let t = store.trees();
        t.deliveryid_delivery.insert(u64_key(a), codec::encode(DeliveryRecordV1::VERSION, &done).unwrap()).unwrap();
        t.deliveryid_delivery.remove(u64_key(b)).unwrap();
        assert_eq!(store.outbox_counts().unwrap(), OutboxCounts { pending: 1, in_flight: 0, retrying: 0 });
        assert_eq!(store.due_head_of_lane("a", 100).unwrap().map(|d| d.id), Some(c));
        assert_eq!(t.lane_deliveryid.len(), 1, "the stale entries are gone");
        let heads: Vec<u64> = store.due_lane_heads(100, &HashSet::new(), 10).unwrap().iter().map(|d| d.id).collect();
        assert_eq!(heads, vec![c]);
    }

    #[test]
    fn duplicates_within_the_window_are_recognised_and_old_events_swept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let IngestOutcome::Stored { event_id, .. } = store.ingest(event(1, 10), vec![]).unwrap() else { panic!() };
        assert_eq!(store.ingest(event(1, 500), vec![]).unwrap(), IngestOutcome::Duplicate { event_id });
        assert!(matches!(store.ingest(event(1, 5000), vec![]).unwrap(), IngestOutcome::Stored { .. }));
        assert_eq!(store.sweep_events_before(1000).unwrap(), 1);
        assert!(store.event(event_id).unwrap().is_none());
        assert_eq!(store.event_count(), 1);
    }
}
