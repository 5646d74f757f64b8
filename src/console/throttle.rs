//! Sign-in throttling: at most `admin.login_max_attempts` attempts per 15 minutes for one
//! (client address, user name) that do not end in a sign-in; further attempts get 429
//! until the window ends.
//!
//! An attempt is counted before its password is checked, in one atomic store update, so
//! parallel guesses cannot all slip past a separate check; a successful sign-in clears it.

use crate::store::{Store, StoreError};

pub const WINDOW_MS: u64 = 15 * 60 * 1000;

/// Counts this attempt. `Some(seconds)` when the limit is already reached: refuse, and
/// say when to try again.
pub fn admit(
    store: &Store,
    client: &str,
    username: &str,
    max_attempts: u32,
    now_ms: u64,
) -> Result<Option<u64>, StoreError> {
    let before = store.count_login_attempt(client, &username.to_lowercase(), max_attempts, WINDOW_MS, now_ms)?;
    Ok(before
        .filter(|r| r.failures >= max_attempts)
        .map(|r| (r.window_started_ms + WINDOW_MS).saturating_sub(now_ms).div_ceil(1000).max(1)))
}

/// Forgets the attempts of (client, user) after a successful sign-in.
pub fn clear(store: &Store, client: &str, username: &str) -> Result<(), StoreError> {
    store.clear_login_attempts(client, &username.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_after_the_limit_waits_for_the_window_to_end() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        for i in 0..5 {
            assert_eq!(admit(&store, "10.0.0.1", "Ann", 5, 1000 + i).unwrap(), None, "attempt {i}");
        }
        assert_eq!(admit(&store, "10.0.0.1", "ann", 5, 2000).unwrap(), Some(899));
        assert_eq!(admit(&store, "10.0.0.1", "ann", 5, 3000).unwrap(), Some(898), "refusals are not counted");
        assert_eq!(admit(&store, "10.0.0.2", "ann", 5, 2000).unwrap(), None, "other address");
        assert_eq!(admit(&store, "10.0.0.1", "bob", 5, 2000).unwrap(), None, "other user");
        assert_eq!(admit(&store, "10.0.0.1", "ann", 5, 1000 + WINDOW_MS).unwrap(), None, "new window");
        assert_eq!(store.login_attempts("10.0.0.1", "ann").unwrap().unwrap().failures, 1);
        clear(&store, "10.0.0.1", "ANN").unwrap();
        assert!(store.login_attempts("10.0.0.1", "ann").unwrap().is_none());
        assert_eq!(store.sweep_login_attempts_before(2000 + WINDOW_MS).unwrap(), 2, "the other two counters");
    }

    #[test]
    fn parallel_attempts_are_each_counted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let admitted: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| admit(&store, "10.0.0.9", "ann", 5, 1000).unwrap().is_none() as usize))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(admitted, 5);
    }
}
