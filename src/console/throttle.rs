//! Sign-in throttling: at most `admin.login_max_attempts` failures per 15 minutes for one
//! (client address, user name); further attempts get 429 until the window ends.

use crate::store::records::LoginAttemptsRecordV1;
use crate::store::{Store, StoreError};

pub const WINDOW_MS: u64 = 15 * 60 * 1000;

/// Seconds until `client` may try `username` again, or `None` when it may now.
pub fn retry_after_secs(
    store: &Store,
    client: &str,
    username: &str,
    max_failures: u32,
    now_ms: u64,
) -> Result<Option<u64>, StoreError> {
    let Some(record) = store.login_attempts(client, &username.to_lowercase())? else { return Ok(None) };
    let window_ends = record.window_started_ms + WINDOW_MS;
    if record.failures >= max_failures && now_ms < window_ends {
        return Ok(Some((window_ends - now_ms).div_ceil(1000)));
    }
    Ok(None)
}

/// Counts a failed sign-in, starting a new window when the last one is over.
pub fn record_failure(store: &Store, client: &str, username: &str, now_ms: u64) -> Result<(), StoreError> {
    let username = username.to_lowercase();
    let record = match store.login_attempts(client, &username)? {
        Some(r) if now_ms < r.window_started_ms + WINDOW_MS => {
            LoginAttemptsRecordV1 { failures: r.failures.saturating_add(1), ..r }
        }
        _ => LoginAttemptsRecordV1 { window_started_ms: now_ms, failures: 1 },
    };
    store.put_login_attempts(client, &username, &record)
}

pub fn clear(store: &Store, client: &str, username: &str) -> Result<(), StoreError> {
    store.clear_login_attempts(client, &username.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_block_until_the_window_ends() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        for i in 0..5 {
            assert_eq!(retry_after_secs(&store, "10.0.0.1", "Ann", 5, 1000 + i).unwrap(), None);
            record_failure(&store, "10.0.0.1", "Ann", 1000 + i).unwrap();
        }
        assert_eq!(retry_after_secs(&store, "10.0.0.1", "ann", 5, 2000).unwrap(), Some(899));
        assert_eq!(retry_after_secs(&store, "10.0.0.2", "ann", 5, 2000).unwrap(), None, "other address");
        assert_eq!(retry_after_secs(&store, "10.0.0.1", "bob", 5, 2000).unwrap(), None, "other user");
        assert_eq!(retry_after_secs(&store, "10.0.0.1", "ann", 5, 1000 + WINDOW_MS).unwrap(), None);
        record_failure(&store, "10.0.0.1", "ann", 1000 + WINDOW_MS).unwrap();
        assert_eq!(store.login_attempts("10.0.0.1", "ann").unwrap().unwrap().failures, 1, "new window");
        clear(&store, "10.0.0.1", "ANN").unwrap();
        assert!(store.login_attempts("10.0.0.1", "ann").unwrap().is_none());
    }
}
