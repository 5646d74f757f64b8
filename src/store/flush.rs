//! Group commit: many writers share one flush.
//!
//! A writer bumps `written` after its transaction and waits until `flushed` reaches that
//! number. One task flushes every `interval` while writes are pending, so under load a
//! single fsync acknowledges many webhooks, and no ack is sent before its data is on disk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use super::{Seam, StoreError, STORE_DEADLINE};

pub(super) struct GroupCommit {
    db: sled::Db,
    seam: Seam,
    shared: Option<Arc<Shared>>,
}

struct Shared {
    db: sled::Db,
    written: AtomicU64,
    pending: Arc<Notify>,
    flushed: watch::Sender<u64>,
}

impl GroupCommit {
    /// Starts the flusher on the current tokio runtime; without one, every wait flushes inline.
    pub(super) fn start(db: sled::Db, interval_ms: u64, seam: Seam) -> GroupCommit {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return GroupCommit { db, seam, shared: None };
        };
        let flush_seam = seam.clone();
        let (flushed, _) = watch::channel(0);
        let pending = Arc::new(Notify::new());
        let shared = Arc::new(Shared { db: db.clone(), written: AtomicU64::new(0), pending: pending.clone(), flushed });
        let weak = Arc::downgrade(&shared);
        runtime.spawn(async move {
            let interval = Duration::from_millis(interval_ms);
            loop {
                // Hold only the Notify while idle, so dropping the store closes the database.
                let woke = tokio::time::timeout(Duration::from_secs(1), pending.notified()).await;
                let Some(shared) = weak.upgrade() else { break };
                if woke.is_err() {
                    continue;
                }
                tokio::time::sleep(interval).await;
                let target = shared.written.load(Ordering::SeqCst);
                let (db, seam) = (shared.db.clone(), flush_seam.clone());
                match tokio::task::spawn_blocking(move || seam.flush(&db)).await {
                    Ok(Ok(_)) => {
                        shared.flushed.send_replace(target);
                    }
                    Ok(Err(e)) => tracing::error!(error = %e, "flushing the database failed; retrying"),
                    Err(e) => tracing::error!(error = %e, "flush task failed; retrying"),
                }
                if *shared.flushed.borrow() < target {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    shared.pending.notify_one();
                }
                if shared.written.load(Ordering::SeqCst) > target {
                    shared.pending.notify_one();
                }
            }
        });
        GroupCommit { db, seam, shared: Some(shared) }
    }

    pub(super) async fn durable(&self) -> Result<(), StoreError> {
        let Some(shared) = &self.shared else {
            return self.seam.flush(&self.db);
        };
        let mine = shared.written.fetch_add(1, Ordering::SeqCst) + 1;
        let mut flushed = shared.flushed.subscribe();
        shared.pending.notify_one();
        let reached = tokio::time::timeout(STORE_DEADLINE, flushed.wait_for(|f| *f >= mine)).await;
        match reached {
            Ok(Ok(_)) => Ok(()),
            _ => Err(StoreError::FlushTimeout),
        }
    }
}
