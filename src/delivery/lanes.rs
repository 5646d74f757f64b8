//! The worker's scheduling of lanes: each lane that is due drains in a task of its own, at
//! most [`CONCURRENT_LANES`] at once, so one slow or long channel never holds the others up
//! and a lane goes from one post to the next without waiting for the rest. Free slots are
//! filled again as soon as a lane ends, new work wakes the worker, or a moment passes.
//!
//! Which lanes this process has checked against their channel (see `worker`'s header) is
//! kept here too.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::worker::Worker;
use crate::store::{DueDelivery, StoreError};
use crate::utc::now_ms;

/// Channels posted to at once.
const CONCURRENT_LANES: usize = 16;

/// How often free slots are looked at while lanes drain (new deliveries also wake it).
const REFILL_EVERY: Duration = Duration::from_millis(200);

/// The deliveries tried in the current pass.
type Tried = Arc<Mutex<HashSet<u64>>>;

/// A lane this worker sends in; released when dropped, also when its task panics or is
/// aborted, so the lane is never left busy.
struct LaneClaim {
    worker: Arc<Worker>,
    lane: String,
}

impl LaneClaim {
    fn take(worker: &Arc<Worker>, lane: &str) -> Option<LaneClaim> {
        let claimed = worker.busy_lanes.lock().unwrap_or_else(|p| p.into_inner()).insert(lane.to_string());
        claimed.then(|| LaneClaim { worker: worker.clone(), lane: lane.to_string() })
    }
}

impl Drop for LaneClaim {
    fn drop(&mut self) {
        self.worker.busy_lanes.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.lane);
    }
}

impl Worker {
    /// Posts everything that is due now, lane by lane, until nothing is due. Returns the
    /// number of attempts made.
    pub async fn run_once(self: &Arc<Self>) -> Result<usize, StoreError> {
        self.run_pass(None).await
    }

    /// One pass: every due lane drained, each delivery tried at most once (so a quick
    /// retry cannot spin here). A store error stops new lanes; those running finish.
    pub(super) async fn run_pass(
        self: &Arc<Self>,
        shutdown: Option<&watch::Receiver<bool>>,
    ) -> Result<usize, StoreError> {
        if !self.client.is_configured() {
            return Ok(0);
        }
        let tried: Tried = Arc::default();
        let mut lanes = JoinSet::new();
        let (mut attempts, mut failed) = (0, None::<StoreError>);
        loop {
            let stopping = failed.is_some() || shutdown.is_some_and(|s| *s.borrow());
            if !stopping {
                if let Err(e) = self.start_due_lanes(&mut lanes, &tried, shutdown) {
                    failed = Some(e);
                }
            }
            if lanes.is_empty() {
                return failed.map_or(Ok(attempts), Err);
            }
            let ended = tokio::select! {
                ended = lanes.join_next() => ended,
                _ = self.wake.notified() => None,
                _ = tokio::time::sleep(REFILL_EVERY) => None,
            };
            match ended {
                Some(Ok(Ok(made))) => attempts += made,
                Some(Ok(Err(e))) => failed = failed.or(Some(e)),
                Some(Err(e)) => tracing::error!(error = %e, "a delivery task failed"),
                None => {}
            }
        }
    }

    /// Starts a task for each due lane not yet running whose head was not tried this pass.
    fn start_due_lanes(
        self: &Arc<Self>,
        lanes: &mut JoinSet<Result<usize, StoreError>>,
        tried: &Tried,
        shutdown: Option<&watch::Receiver<bool>>,
    ) -> Result<(), StoreError> {
        let free = CONCURRENT_LANES.saturating_sub(lanes.len());
        if free == 0 {
            return Ok(());
        }
        let busy = self.busy_lanes.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let skip = tried.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for head in self.store.due_lane_heads_except(now_ms(), &busy, &skip, free)? {
            tried.lock().unwrap_or_else(|p| p.into_inner()).insert(head.id);
            lanes.spawn(self.clone().drain_lane(head, tried.clone(), shutdown.cloned()));
        }
        Ok(())
    }

    /// Posts `head`, then each next delivery of its lane that is due and not yet tried in
    /// this pass; answers the attempts made.
    async fn drain_lane(
        self: Arc<Self>,
        head: DueDelivery,
        tried: Tried,
        shutdown: Option<watch::Receiver<bool>>,
    ) -> Result<usize, StoreError> {
        let lane = head.record.lane.clone();
        let Some(_claim) = LaneClaim::take(&self, &lane) else {
            return Ok(0); // another pass of this worker holds the lane
        };
        // Re-read after claiming the lane: another pass may have finished it meanwhile.
        let mut next = match self.store.delivery(head.id)? {
            Some(record) if record == head.record => Some(DueDelivery { id: head.id, record }),
            _ => None,
        };
        let mut attempts = 0;
        while let Some(head) = next.take() {
            attempts += 1;
            self.attempt_in_lane(head).await?;
            if shutdown.as_ref().is_some_and(|s| *s.borrow()) {
                break;
            }
            let due = self.store.due_head_of_lane(&lane, now_ms())?;
            next = due.filter(|head| tried.lock().unwrap_or_else(|p| p.into_inner()).insert(head.id));
        }
        Ok(attempts)
    }

    pub(super) fn lane_checked(&self, lane: &str) -> bool {
        self.checked_lanes.lock().unwrap_or_else(|p| p.into_inner()).contains(lane)
    }

    pub(super) fn mark_lane_checked(&self, lane: &str) {
        self.checked_lanes.lock().unwrap_or_else(|p| p.into_inner()).insert(lane.to_string());
    }

    pub(super) fn unmark_lane_checked(&self, lane: &str) {
        self.checked_lanes.lock().unwrap_or_else(|p| p.into_inner()).remove(lane);
    }
}
