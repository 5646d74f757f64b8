//! Copying the deliveries stored inside new events into the outbox trees.
//!
//! The ingest writer acknowledges a webhook after one insert: the event, with its dedup keys
//! and deliveries inside ([`EventRecordV2`]). Right after the flush, a third thread copies
//! those deliveries into `deliveryid_delivery` and `lane_deliveryid`, where the worker and
//! the admin views find them, and advances `meta.outbox_copied_through`. A crash in
//! between loses nothing: at the next open, events after that mark have their deliveries
//! copied before anything else runs.
//!
//! Readers of deliveries first wait (briefly) until every stored batch has been copied, so
//! a delivery is never missing from a view taken after its webhook was answered.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::codec::{self, u64_key};
use super::dedup::{RecentKeys, Seen};
use super::events::{decode_stored_without_body, put_delivery, OutboxTx};
use super::records::DeliveryRecordV1;
use super::{StoreError, Trees};

/// `meta` key: events up to this id (u64 BE) have had their deliveries copied.
pub(super) const COPIED_THROUGH_KEY: &[u8] = b"outbox_copied_through";

/// Longest a reader waits for the copy before reading anyway.
const READ_WAIT_LIMIT: Duration = Duration::from_secs(5);

/// Deliveries to copy, and the highest event id they cover.
#[derive(Default)]
pub(super) struct OutboxCopies {
    pub deliveries: Vec<(u64, DeliveryRecordV1)>,
    pub through: Option<u64>,
}

impl OutboxCopies {
    pub(super) fn append(&mut self, other: OutboxCopies) {
        self.deliveries.extend(other.deliveries);
        self.through = self.through.max(other.through);
    }
}

/// Writes the copies in one transaction; with `advance_mark`, also moves the mark (only
/// the ordered writer pipeline and the start-up recovery may, so it never passes an event
/// whose copy is still to come).
pub(super) fn copy_to_outbox(t: &Trees, copies: &OutboxCopies, advance_mark: bool) -> Result<(), StoreError> {
    // Every caller holds the write gate around this call, or runs before the store is shared.
    let trees = (&t.deliveryid_delivery, &t.lane_deliveryid, &t.meta);
    trees.transaction(|(deliveries, lanes, meta)| {
        for (id, record) in &copies.deliveries {
            // Copied before (a retry after a failure that did write): never reset a
            // delivery the worker may have finished since.
            if deliveries.get(u64_key(*id))?.is_some() {
                continue;
            }
            put_delivery(&OutboxTx { deliveries, lanes }, *id, record)?;
        }
        if let (true, Some(through)) = (advance_mark, copies.through) {
            meta.insert(COPIED_THROUGH_KEY, &through.to_be_bytes())?;
        }
        Ok::<(), ConflictableTransactionError<StoreError>>(())
    })?;
    Ok(())
}

/// At open, before the writer starts: copies what a crash left uncopied, and reads the
/// dedup keys of events younger than `keep_ms` back into memory. No gate: nobody else can
/// see the store yet.
pub(super) fn recover(t: &Trees, keep_ms: u64, now_ms: u64) -> Result<RecentKeys, StoreError> {
    let mark = match t.meta.get(COPIED_THROUGH_KEY)? {
        Some(bytes) => codec::read_u64(&bytes).ok_or_else(|| StoreError::Codec("meta.outbox_copied_through".into()))?,
        None => 0,
    };
    let mut copies = OutboxCopies::default();
    for entry in t.eventid_event.range(u64_key(mark.saturating_add(1))..) {
        let (key, value) = entry?;
        let Some(event_id) = codec::read_u64(&key) else { continue };
        copies.through = Some(event_id);
        for (id, record) in decode_stored_without_body(&value)?.deliveries {
            if !t.deliveryid_delivery.contains_key(u64_key(id))? {
                copies.deliveries.push((id, record));
            }
        }
    }
    if !copies.deliveries.is_empty() {
        tracing::info!(deliveries = copies.deliveries.len(), "copying deliveries left by an interrupted run");
    }
    copy_to_outbox(t, &copies, true)?;
    recent_keys(t, keep_ms, now_ms)
}

/// The dedup keys of the events younger than `keep_ms`, read back into memory.
pub(super) fn recent_keys(t: &Trees, keep_ms: u64, now_ms: u64) -> Result<RecentKeys, StoreError> {
    let mut seen = Vec::new();
    for entry in t.eventid_event.iter().rev() {
        let (key, value) = entry?;
        let stored = decode_stored_without_body(&value)?;
        if stored.event.received_at_ms.saturating_add(keep_ms) < now_ms {
            break;
        }
        let event_id = codec::read_u64(&key).unwrap_or(0);
        seen.push((stored.dedup_keys, Seen { event_id, at_ms: stored.event.received_at_ms }));
    }
    let mut recent = RecentKeys::new(keep_ms);
    for (keys, sighting) in seen.into_iter().rev() {
        recent.remember(&keys, sighting);
    }
    Ok(recent)
}

/// How far the copy has come, in batches: readers wait on it.
#[derive(Default)]
pub(super) struct CopyProgress {
    /// (batches stored, batches copied)
    counts: Mutex<(u64, u64)>,
    copied: Condvar,
}

impl CopyProgress {
    /// The writer stored a batch; returns its number.
    pub(super) fn stored(&self) -> u64 {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.0 += 1;
        counts.0
    }

    /// Every batch up to `batch` is copied.
    pub(super) fn copied(&self, batch: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.1 = counts.1.max(batch);
        self.copied.notify_all();
    }

    /// Waits until every batch stored before this call is copied (at most a few seconds:
    /// a stuck copy must not stop the views, it is logged by the copier).
    pub(super) fn wait(&self) {
        let deadline = Instant::now() + READ_WAIT_LIMIT;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let target = counts.0;
        while counts.1 < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!("deliveries of recent webhooks are still being copied; the view may miss them");
                return;
            }
            counts = self.copied.wait_timeout(counts, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::IngestJob;
    use crate::store::test_events::{sample_delivery, sample_event};
    use crate::store::{IngestOutcome, Store};

    /// What a crash between the flush and the copy leaves: events with their deliveries
    /// inside, none of them in the outbox.
    fn store_without_copy(store: &Store, jobs: Vec<IngestJob>) -> Vec<IngestOutcome> {
        let inner = &store.inner;
        let _gate = inner.gate.shared();
        let (outcomes, copies) =
            crate::store::events::store_batch(&inner.trees, &inner.ids, &inner.recent, jobs).unwrap();
        assert!(!copies.deliveries.is_empty());
        store.flush_now().unwrap();
        outcomes
    }

    #[test]
    fn deliveries_left_uncopied_by_a_crash_are_copied_at_the_next_open_once() {
        let dir = tempfile::tempdir().unwrap();
        let options = Default::default();
        let delivery_ids = {
            let store = Store::open(dir.path(), &options).unwrap();
            store.ingest(sample_event(1, 10, 60_000), vec![sample_delivery("a", 10)]).unwrap();
            let jobs = vec![IngestJob::new(sample_event(2, 20, 60_000), vec![sample_delivery("a", 20)])];
            let outcomes = store_without_copy(&store, jobs);
            let IngestOutcome::Stored { delivery_ids, .. } = &outcomes[0] else { panic!("{outcomes:?}") };
            assert_eq!(store.all_deliveries().unwrap().len(), 1, "the second delivery is not copied yet");
            delivery_ids.clone()
        };
        let store = Store::open(dir.path(), &options).unwrap();
        let all: Vec<u64> = store.all_deliveries().unwrap().iter().map(|d| d.id).collect();
        assert_eq!(all.len(), 2);
        assert!(all.contains(&delivery_ids[0]));
        drop(store);
        // The mark moved past the recovered event: a third open copies nothing again,
        // even after the copied delivery was finished and swept.
        let store = Store::open(dir.path(), &options).unwrap();
        store.trees().deliveryid_delivery.remove(u64_key(delivery_ids[0])).unwrap();
        drop(store);
        let store = Store::open(dir.path(), &options).unwrap();
        assert_eq!(store.all_deliveries().unwrap().len(), 1);
    }

    #[test]
    fn dedup_keys_survive_a_restart_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let now = crate::store::now_ms();
        let options = crate::store::StoreOptions { dedup_window_ms: 60_000, ..Default::default() };
        let first = {
            let store = Store::open(dir.path(), &options).unwrap();
            store.ingest(sample_event(5, now, 60_000), vec![]).unwrap()
        };
        let IngestOutcome::Stored { event_id, .. } = first else { panic!("{first:?}") };
        let store = Store::open(dir.path(), &options).unwrap();
        assert_eq!(
            store.ingest(sample_event(5, now + 1, 60_000), vec![]).unwrap(),
            IngestOutcome::Duplicate { event_id }
        );
        assert!(matches!(
            store.ingest(sample_event(6, now + 1, 60_000), vec![]).unwrap(),
            IngestOutcome::Stored { .. }
        ));
    }

    #[test]
    fn a_window_widened_after_opening_reaches_older_events() {
        let dir = tempfile::tempdir().unwrap();
        let now = crate::store::now_ms();
        let first = {
            let store = Store::open(dir.path(), &Default::default()).unwrap();
            store.ingest(sample_event(5, now - 120_000, 600_000), vec![]).unwrap()
        };
        let IngestOutcome::Stored { event_id, .. } = first else { panic!("{first:?}") };
        // Opened with a one-minute window (the config file), the two-minute-old event's keys
        // are not read back...
        let options = crate::store::StoreOptions { dedup_window_ms: 60_000, ..Default::default() };
        let store = Store::open(dir.path(), &options).unwrap();
        // ...until the console's ten-minute window is known.
        store.widen_dedup_window(600_000, 60_000).unwrap();
        assert_eq!(store.ingest(sample_event(5, now, 600_000), vec![]).unwrap(), IngestOutcome::Duplicate { event_id });
    }
}
