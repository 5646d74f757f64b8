//! Answers from Mattermost kept for a while: a small map whose entries expire after a fixed
//! time and which is emptied when it reaches its bound, so strangers' ids cannot grow it
//! without limit. Used for users' roles and channels' names.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub struct Remembered<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    keep_for: Duration,
    most: usize,
}

impl<K: Eq + Hash, V: Clone> Remembered<K, V> {
    /// Entries live `keep_for`; at `most` entries the map is emptied before the next one.
    pub fn new(keep_for: Duration, most: usize) -> Remembered<K, V> {
        Remembered { entries: Mutex::default(), keep_for, most }
    }

    /// The value kept for `key`, unless it has expired.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries();
        entries.get(key).filter(|(at, _)| at.elapsed() < self.keep_for).map(|(_, value)| value.clone())
    }

    pub fn keep(&self, key: K, value: V) {
        let mut entries = self.entries();
        if entries.len() >= self.most {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<K, (Instant, V)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire_and_a_full_map_starts_again() {
        let kept: Remembered<String, u32> = Remembered::new(Duration::from_secs(60), 2);
        kept.keep("a".into(), 1);
        kept.keep("b".into(), 2);
        assert_eq!((kept.get("a"), kept.get("b")), (Some(1), Some(2)));
        kept.keep("c".into(), 3);
        assert_eq!((kept.get("a"), kept.get("c")), (None, Some(3)), "emptied at its bound");
        let brief: Remembered<String, u32> = Remembered::new(Duration::ZERO, 10);
        brief.keep("a".into(), 1);
        assert_eq!(brief.get("a"), None, "expired");
    }
}
