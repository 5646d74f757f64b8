//! Whether the store can write, as the last write found it (SPEC §3.6, §4.6), and the
//! deadline for store work done on behalf of a request.
//!
//! `/readyz` reads this state instead of calling sled, so it answers while sled is stuck. The
//! ingest pipeline, group commit and the probe (`Store::probe`) report their outcomes here.
//! A full disk makes sled 0.34 fail writes or hang in a flush; either way, requests get an
//! answer within [`STORE_DEADLINE`], never a hung worker.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use super::StoreError;

/// How long a request waits for store work before it is answered 503 (webhooks) or 500.
pub const STORE_DEADLINE: Duration = Duration::from_secs(5);

/// The store's state as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writability {
    /// The last write or probe succeeded.
    Writable,
    /// The last write or probe failed (e.g. no space left).
    Failing,
    /// A write, flush or store call did not finish within its deadline.
    Stuck,
}

#[derive(Default)]
pub(super) struct Health {
    state: AtomicU8,
}

impl Health {
    pub(super) fn state(&self) -> Writability {
        match self.state.load(Ordering::Acquire) {
            0 => Writability::Writable,
            1 => Writability::Failing,
            _ => Writability::Stuck,
        }
    }

    pub(super) fn writable(&self) {
        if self.state.swap(0, Ordering::AcqRel) != 0 {
            tracing::info!("the store accepts writes again");
        }
    }

    pub(super) fn failed(&self, why: &str) {
        self.set(Writability::Failing, why);
    }

    pub(super) fn stuck(&self, why: &str) {
        self.set(Writability::Stuck, why);
    }

    fn set(&self, to: Writability, why: &str) {
        let code = if to == Writability::Failing { 1 } else { 2 };
        if self.state.swap(code, Ordering::AcqRel) == 0 {
            tracing::error!(reason = why, "the store cannot write: webhooks are answered 503 until it can");
        }
    }
}

impl super::Store {
    /// The store's state as the last write, flush or probe left it (no store call).
    pub fn writability(&self) -> Writability {
        self.inner.health.state()
    }

    /// Runs store work on a blocking thread and waits at most [`STORE_DEADLINE`] for it, so
    /// an async worker never blocks inside sled. Past the deadline the work goes on by itself
    /// and the caller gets [`StoreError::Deadline`].
    pub async fn run<T, E>(&self, work: impl FnOnce(&super::Store) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        let task = tokio::task::spawn_blocking(move || work(&store));
        match tokio::time::timeout(STORE_DEADLINE, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(failed)) => Err(StoreError::Batch(format!("store work failed: {failed}")).into()),
            Err(_) => Err(StoreError::Deadline.into()),
        }
    }

    /// A small write and a flush, to learn whether the store can write now; the outcome is
    /// reported to the store's health (a success after a failure makes it writable again).
    /// Runs on the caller's thread: the caller bounds the time (a hung probe means sled is
    /// stuck).
    pub fn probe(&self) -> Result<(), StoreError> {
        let seam = self.seam();
        {
            // A backup holding the gate exclusively means busy, not broken: no write then.
            let Some(_gate) = self.inner.gate.try_shared() else { return Ok(()) };
            let written = seam.before_write().and_then(|()| {
                let now = super::now_ms().to_be_bytes();
                self.trees().meta.insert(PROBE_KEY, &now[..])?;
                Ok(())
            });
            seam.wrote(&written);
            written?;
        }
        // Flushed after the gate is let go: a flush that hangs must not hold a backup up.
        seam.flush(&self.inner.db)
    }

    /// When the process that used this store before was last seen alive: the time of its
    /// last probe, which is written and flushed every few seconds. A post whose outcome
    /// that process never wrote was made shortly before it; `None` for a new store.
    pub fn previous_heartbeat_ms(&self) -> Option<u64> {
        self.inner.heartbeat_at_open
    }

    /// Whether a backup holds the write gate now.
    pub(super) fn backup_running(&self) -> bool {
        self.inner.gate.try_shared().is_none()
    }

    /// Whether the data directory takes a 1 MiB file written and fsynced, outside sled: once
    /// it does while sled still fails, space is back but sled 0.34 keeps its I/O error
    /// until the database is opened again.
    pub fn probe_disk(&self) -> std::io::Result<()> {
        use std::io::Write;
        let dir = self.inner.path.parent().unwrap_or(&self.inner.path);
        let path = dir.join(".write-probe");
        let written = std::fs::File::create(&path).and_then(|mut file| {
            // About a sled segment: a tiny file can fit where sled's next segment cannot.
            file.write_all(&vec![0u8; 1 << 20])?;
            file.sync_all()
        });
        let _ = std::fs::remove_file(&path);
        written
    }

    /// The fault seam (tests only).
    #[cfg(feature = "fault-injection")]
    pub fn faults(&self) -> &super::Faults {
        &self.inner.faults
    }

    /// Marks the store stuck: store work did not finish within its deadline.
    pub fn mark_stuck(&self, why: &str) {
        self.inner.health.stuck(why);
    }
}

/// The `meta` key the probe writes (its last time, big-endian ms).
const PROBE_KEY: &[u8] = b"probe";

/// The last probe time in the store, read at open.
pub(super) fn stored_heartbeat(trees: &super::Trees) -> Result<Option<u64>, StoreError> {
    Ok(trees.meta.get(PROBE_KEY)?.and_then(|bytes| super::codec::read_u64(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreOptions};

    #[test]
    fn a_reopened_store_knows_when_the_last_process_was_seen() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        assert_eq!(store.previous_heartbeat_ms(), None, "a new store");
        let before = super::super::now_ms();
        store.probe().unwrap();
        drop(store);
        let reopened = Store::open(dir.path(), &StoreOptions::default()).unwrap();
        let seen = reopened.previous_heartbeat_ms().expect("the probe's time");
        assert!(seen >= before && seen <= super::super::now_ms());
    }
}
