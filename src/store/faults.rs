//! A fault seam for tests (cargo feature `fault-injection`, never in release builds):
//! writes and flushes fail or hang on demand, as they do on a full disk.
//!
//! The checks sit where sled would report the failure: the write gate every change takes,
//! the ingest writer's batch and every flush.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::StoreError;

/// What is made to fail now; all off by default.
#[derive(Default)]
pub struct Faults {
    pub fail_writes: AtomicBool,
    pub fail_flushes: AtomicBool,
    pub hang_flushes: AtomicBool,
    /// Every write waits while this is set, as sled 0.34 can inside a write on a full disk.
    pub hang_writes: AtomicBool,
    /// A plugin import fails halfway through its transaction (after instances and secrets).
    pub fail_import_midway: AtomicBool,
}

impl Faults {
    /// Turns every fault off.
    pub fn clear(&self) {
        for flag in
            [&self.fail_writes, &self.fail_flushes, &self.hang_flushes, &self.hang_writes, &self.fail_import_midway]
        {
            flag.store(false, Ordering::SeqCst);
        }
    }

    pub(super) fn write(&self) -> Result<(), StoreError> {
        while self.hang_writes.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.fail_writes.load(Ordering::SeqCst) {
            return Err(no_space());
        }
        Ok(())
    }

    pub(super) fn import_midway(&self) -> Result<(), StoreError> {
        if self.fail_import_midway.load(Ordering::SeqCst) {
            return Err(no_space());
        }
        Ok(())
    }

    pub(super) fn flush(&self) -> Result<(), StoreError> {
        while self.hang_flushes.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.fail_flushes.load(Ordering::SeqCst) {
            return Err(no_space());
        }
        Ok(())
    }
}

fn no_space() -> StoreError {
    // ENOSPC, as sled reports a full disk.
    StoreError::Sled(sled::Error::Io(std::io::Error::from_raw_os_error(28)))
}
