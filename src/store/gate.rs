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

#[cfg(test)]
mod tests {
    /// A tidy check: in the store's source, every function that writes a tree (a sled
    /// transaction or batch, or an insert/remove on `t.<tree>` or `self.trees().<tree>`) mentions
    /// the gate, so a new write path cannot silently slip past backups. Functions called
    /// with the gate held say so in a comment that names it.
    #[test]
    fn every_write_path_holds_the_gate() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
        // Opening and importing write a database no one else can see yet.
        let exempt = ["migrations.rs", "import.rs", "gate.rs"];
        let mut offenders = Vec::new();
        for path in crate::tidy::rust_files(&dir) {
            if exempt.iter().any(|name| path.ends_with(name)) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for chunk in text.split("fn ").skip(1) {
                let name = chunk.split('(').next().unwrap_or("").trim();
                if writes_a_tree(chunk) && !chunk.contains("gate") {
                    offenders.push(format!("{}: fn {name}", path.display()));
                }
            }
        }
        assert!(offenders.is_empty(), "store writes without the write gate: {offenders:#?}");
    }

    fn writes_a_tree(chunk: &str) -> bool {
        let body = chunk.split("#[cfg(test)]").next().unwrap_or(chunk);
        body.contains(".transaction(")
            || body.contains(".apply_batch(")
            || body.lines().any(|line| {
                let line = line.trim();
                (line.starts_with("t.") || line.starts_with("self.trees().") || line.contains("(&t."))
                    && (line.contains(".insert(") || line.contains(".remove("))
            })
    }
}
