//! Recently seen dedup keys, in memory.
//!
//! Deciding "duplicate or not" must happen before the acknowledgement, for every webhook,
//! so it is kept out of sled: the keys also travel inside each stored event
//! ([`EventRecordV2`](super::records::EventRecordV2)) and are read back into memory when the
//! store opens. Only keys younger than the longest dedup window in use are kept.
//!
//! Memory: a busy Jira sends thousands of webhooks within a window (two keys each), and a
//! backlog queued while Mattermost is down must not make the process grow much. So a key is
//! kept as the first 64 bits of its SHA-256, 24 bytes with its sighting, and old keys are
//! dropped by a sweep of the map every quarter window instead of a second queue in time
//! order. 64 bits alone could, very rarely, call a new webhook a duplicate and drop it; the
//! caller therefore confirms every match against the full key stored with the event
//! (matches are rare: only Jira's retries and repeats). Two different keys sharing 64 bits
//! within one window (about one chance in 10^8 with 400 000 keys) keep only the later one.

use std::collections::HashMap;

/// The first 8 bytes of a dedup key.
type ShortKey = u64;

fn short(key: &[u8; 32]) -> ShortKey {
    let mut first = [0u8; 8];
    first.copy_from_slice(&key[..8]);
    u64::from_be_bytes(first)
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
    /// The longest window asked about so far: keys older than this are of no use.
    keep_ms: u64,
    /// When the map was last swept of keys older than `keep_ms`.
    swept_at_ms: u64,
}

impl RecentKeys {
    pub(super) fn new(keep_ms: u64) -> RecentKeys {
        RecentKeys { keep_ms, ..Default::default() }
    }

    /// The event an earlier webhook with one of `keys` became, when it was seen less than
    /// `window_ms` before `at_ms` and `confirm(event_id, key)` says that event really
    /// carries that key.
    pub(super) fn duplicate_of(
        &mut self,
        keys: &[[u8; 32]],
        at_ms: u64,
        window_ms: u64,
        mut confirm: impl FnMut(u64, &[u8; 32]) -> bool,
    ) -> Option<u64> {
        self.keep_ms = self.keep_ms.max(window_ms);
        keys.iter()
            .filter_map(|key| self.by_key.get(&short(key)).map(|seen| (seen, key)))
            .filter(|(seen, _)| at_ms.saturating_sub(seen.at_ms) < window_ms)
            .find(|(seen, key)| confirm(seen.event_id, key))
            .map(|(seen, _)| seen.event_id)
    }

    pub(super) fn remember(&mut self, keys: &[[u8; 32]], seen: Seen) {
        if seen.at_ms.saturating_sub(self.swept_at_ms) >= self.keep_ms / 4 {
            let cutoff = seen.at_ms.saturating_sub(self.keep_ms);
            self.by_key.retain(|_, kept| kept.at_ms >= cutoff);
            self.swept_at_ms = seen.at_ms;
        }
        for key in keys {
            self.by_key.insert(short(key), seen);
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

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: u64, _: &[u8; 32]) -> bool {
        true
    }

    #[test]
    fn a_key_is_a_duplicate_within_its_window_only() {
        let mut recent = RecentKeys::new(1_000);
        recent.remember(&[[1; 32]], Seen { event_id: 7, at_ms: 10_000 });
        assert_eq!(recent.duplicate_of(&[[2; 32], [1; 32]], 10_500, 1_000, any), Some(7));
        assert_eq!(recent.duplicate_of(&[[1; 32]], 11_000, 1_000, any), None);
        assert_eq!(recent.duplicate_of(&[[2; 32]], 10_500, 1_000, any), None);
    }

    #[test]
    fn old_keys_are_forgotten_and_a_failed_write_takes_its_keys_back() {
        let mut recent = RecentKeys::new(1_000);
        recent.remember(&[[1; 32]], Seen { event_id: 1, at_ms: 0 });
        recent.remember(&[[2; 32]], Seen { event_id: 2, at_ms: 5_000 });
        assert_eq!(recent.len(), 1, "the key seen 5 s earlier is past every window");
        recent.forget_event(&[[2; 32]], 2);
        assert_eq!(recent.duplicate_of(&[[2; 32]], 5_001, 1_000, any), None);
    }

    #[test]
    fn a_key_seen_again_keeps_its_newer_sighting() {
        let mut recent = RecentKeys::new(1_000);
        recent.remember(&[[1; 32]], Seen { event_id: 1, at_ms: 0 });
        recent.remember(&[[1; 32]], Seen { event_id: 2, at_ms: 900 });
        recent.remember(&[[3; 32]], Seen { event_id: 3, at_ms: 1_500 });
        assert_eq!(recent.duplicate_of(&[[1; 32]], 1_600, 1_000, any), Some(2));
    }

    #[test]
    fn a_key_sharing_only_its_first_64_bits_is_new_once_the_event_disagrees() {
        let mut recent = RecentKeys::new(1_000);
        let stored = [9u8; 32];
        let mut other = stored;
        other[31] = 0;
        recent.remember(&[stored], Seen { event_id: 4, at_ms: 0 });
        let confirm = |event_id: u64, key: &[u8; 32]| event_id == 4 && *key == stored;
        assert_eq!(recent.duplicate_of(&[other], 10, 1_000, confirm), None);
        assert_eq!(recent.duplicate_of(&[stored], 10, 1_000, confirm), Some(4));
    }

    #[test]
    fn keys_are_swept_within_a_quarter_window_of_expiring() {
        let mut recent = RecentKeys::new(1_000);
        for n in 0..100u8 {
            recent.remember(&[[n; 32]], Seen { event_id: n.into(), at_ms: u64::from(n) * 100 });
        }
        // At 9 900 ms every key older than 8 900 ms is past its window; a sweep ran at most
        // 250 ms ago, so at most the keys of the last 1 250 ms remain.
        assert!(recent.len() <= 13, "{} keys kept", recent.len());
        assert!(recent.len() >= 10, "the window's own keys stay: {}", recent.len());
    }
}
