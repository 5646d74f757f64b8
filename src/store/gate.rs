//! The write gate: every change to the trees holds it shared; a backup holds it exclusive.
//!
//! sled iterators are not snapshots, and one logical change (an event with its deliveries
//! and index entries) spans several trees. While a backup reads the trees, it holds the
//! gate exclusively, so no change is half-seen: each one is either wholly in the backup or
//! wholly after it. Gated sections never nest (a waiting exclusive holder would block the
//! inner shared acquisition), so each is one transaction or one insert, never a call to
//! another gated method.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Clone, Default)]
pub(super) struct WriteGate(Arc<RwLock<()>>);

impl WriteGate {
    /// Held around one change; many changes may hold it at once.
    pub(super) fn shared(&self) -> RwLockReadGuard<'_, ()> {
        // The lock guards no data, so a panic in another holder leaves nothing to repair.
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Held around one change unless a backup holds the gate now (the store probe does not
    /// wait behind a backup).
    pub(super) fn try_shared(&self) -> Option<RwLockReadGuard<'_, ()>> {
        match self.0.try_read() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Held while a backup reads every tree; waits for the changes in progress.
    pub(super) fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
