//! Recently seen dedup keys, in memory.
//!
//! Deciding "duplicate or not" must happen before the acknowledgement, for every webhook,
//! so it is kept out of sled: the keys also travel inside each stored event
//! ([`EventRecordV2`](super::records::EventRecordV2)) and are read back into memory when the
//! store opens. Only keys younger than the longest dedup window in use are kept.
//!
//! Memory: a busy Jira sends thousands of webhooks within a window, so each key is kept as
//! the first 128 bits of its SHA-256 (a chance collision among a window's keys is far below
//! one in 10^25) and the time order holds the short key only.

use std::collections::{HashMap, VecDeque};

/// The first 16 bytes of a dedup key.
type ShortKey = u128;

fn short(key: &[u8; 32]) -> ShortKey {
    let mut first = [0u8; 16];
    first.copy_from_slice(&key[..16]);
    u128::from_be_bytes(first)
}

/// When a key was seen and which event it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Seen {
    pub event_id: u64,
    pub at_ms: u64,
}

#[derive(Default)]
pub(super) struct RecentKeys {
    by_key: HashMap<ShortKey, Seen>,
    /// Keys in the order they were remembered, for forgetting the old ones; their times are
    /// in `by_key`.
    order: VecDeque<ShortKey>,
    /// The longest window asked about so far: keys older than this are of no use.
    keep_ms: u64,
}

impl RecentKeys {
    pub(super) fn new(keep_ms: u64) -> RecentKeys {
        RecentKeys { keep_ms, ..Default::default() }
    }

    /// The event an earlier webhook with one of `keys` became, when it was seen less than
    /// `window_ms` before `at_ms`.
    pub(super) fn duplicate_of(&mut self, keys: &[[u8; 32]], at_ms: u64, window_ms: u64) -> Option<u64> {
        self.keep_ms = self.keep_ms.max(window_ms);
        keys.iter()
            .filter_map(|key| self.by_key.get(&short(key)))
            .find(|seen| at_ms.saturating_sub(seen.at_ms) < window_ms)
            .map(|seen| seen.event_id)
    }

    pub(super) fn remember(&mut self, keys: &[[u8; 32]], seen: Seen) {
        // Forget first: a key remembered again then has no older entry left in `order`.
        self.forget_older_than(seen.at_ms.saturating_sub(self.keep_ms));
        for key in keys {
            if self.by_key.insert(short(key), seen).is_none() {
                self.order.push_back(short(key));
            }
        }
    }

    /// Takes back keys remembered for `event_id` (its write failed, so a retry is new).
    pub(super) fn forget_event(&mut self, keys: &[[u8; 32]], event_id: u64) {
        for key in keys {
            if self.by_key.get(&short(key)).is_some_and(|seen| seen.event_id == event_id) {
                self.by_key.remove(&short(key));
            }
        }
    }

    /// Drops keys seen before `cutoff_ms`. A key remembered again while still kept (a
    /// window made shorter) keeps its place in `order` with its newer time, so it and the
    /// keys behind it go a little later: never earlier than their window.
    fn forget_older_than(&mut self, cutoff_ms: u64) {
        while let Some(key) = self.order.front().copied() {
            match self.by_key.get(&key) {
                Some(seen) if seen.at_ms >= cutoff_ms => break,
                Some(_) => {
                    self.by_key.remove(&key);
                }
                // Taken back by `forget_event`.
                None => {}
            }
            self.order.pop_front();
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_a_duplicate_within_its_window_only() {
        let mut recent = RecentKeys::new(1_000);
        recent.remember(&[[1; 32]], Seen { event_id: 7, at_ms: 10_000 });
        assert_eq!(recent.duplicate_of(&[[2; 32], [1; 32]], 10_500, 1_000), Some(7));
        assert_eq!(recent.duplicate_of(&[[1; 32]], 11_000, 1_000), None);
        assert_eq!(recent.duplicate_of(&[[2; 32]], 10_500, 1_000), None);
    }

    #[test]
    fn old_keys_are_forgotten_and_a_failed_write_takes_its_keys_back() {
        let mut recent = RecentKeys::new(1_000);
        recent.remember(&[[1; 32]], Seen { event_id: 1, at_ms: 0 });
        recent.remember(&[[2; 32]], Seen { event_id: 2, at_ms: 5_000 });
        assert_eq!(recent.len(), 1, "the key seen 5 s earlier is past every window");
        recent.forget_event(&[[2; 32]], 2);
        assert_eq!(recent.duplicate_of(&[[2; 32]], 5_001, 1_000), None);
    }

    #[test]
    fn a_key_seen_again_keeps_its_newer_sighting() {
        let mut recent = RecentKeys::new(1_000);
        recent.remember(&[[1; 32]], Seen { event_id: 1, at_ms: 0 });
        recent.remember(&[[1; 32]], Seen { event_id: 2, at_ms: 900 });
        recent.remember(&[[3; 32]], Seen { event_id: 3, at_ms: 1_500 });
        assert_eq!(recent.duplicate_of(&[[1; 32]], 1_600, 1_000), Some(2));
    }
}
