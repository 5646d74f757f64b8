//! Console sessions and failed sign-in counters.
//!
//! Neither is flushed on every change: losing a session or a counter in a crash only means
//! signing in again, and the next flush (group commit or shutdown) persists them anyway.

use super::codec;
use super::records::{LoginAttemptsRecordV1, SessionRecordV1};
use super::{Store, StoreError};

fn attempts_key(client: &str, username: &str) -> Vec<u8> {
    [client.as_bytes(), username.as_bytes()].join(&0u8)
}

impl Store {
    /// The session whose cookie hashes to `id_hash`.
    pub fn session(&self, id_hash: &[u8; 32]) -> Result<Option<SessionRecordV1>, StoreError> {
        match self.trees().sessionid_session.get(id_hash)? {
            Some(bytes) => Ok(Some(codec::decode(SessionRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    pub fn put_session(&self, id_hash: &[u8; 32], record: &SessionRecordV1) -> Result<(), StoreError> {
        let value = codec::encode(SessionRecordV1::VERSION, record)?;
        self.write_gate_insert(&self.trees().sessionid_session, id_hash, value)
    }

    pub fn delete_session(&self, id_hash: &[u8; 32]) -> Result<(), StoreError> {
        let _gate = self.write_gate()?;
        self.trees().sessionid_session.remove(id_hash)?;
        Ok(())
    }

    /// Ends every session of `username` (after a password change).
    pub fn delete_sessions_of(&self, username: &str) -> Result<usize, StoreError> {
        let mut removed = 0;
        for entry in self.trees().sessionid_session.iter() {
            let (key, value) = entry?;
            let record: SessionRecordV1 = codec::decode(SessionRecordV1::VERSION, &value)?;
            if record.username == username {
                let _gate = self.write_gate()?;
                self.trees().sessionid_session.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes sessions last seen before `cutoff_ms`.
    pub fn sweep_sessions_before(&self, cutoff_ms: u64) -> Result<usize, StoreError> {
        let _gate = self.write_gate()?;
        let mut removed = 0;
        for entry in self.trees().sessionid_session.iter() {
            let (key, value) = entry?;
            let stale = codec::decode::<SessionRecordV1>(SessionRecordV1::VERSION, &value)
                .map(|r| r.last_seen_ms < cutoff_ms)
                .unwrap_or(true);
            if stale {
                let _gate = self.write_gate()?;
                self.trees().sessionid_session.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Counts one sign-in attempt for (client, user) in the current window, atomically, and
    /// answers the attempts counted before it. When that is already `max`, nothing is
    /// counted and the caller refuses: parallel guesses cannot all pass a separate check.
    pub fn count_login_attempt(
        &self,
        client: &str,
        username: &str,
        max: u32,
        window_ms: u64,
        now_ms: u64,
    ) -> Result<Option<LoginAttemptsRecordV1>, StoreError> {
        let _gate = self.write_gate()?;
        let decode = |bytes: Option<&[u8]>| {
            bytes.and_then(|b| codec::decode::<LoginAttemptsRecordV1>(LoginAttemptsRecordV1::VERSION, b).ok())
        };
        let previous = self.trees().loginkey_attempts.fetch_and_update(attempts_key(client, username), |old| {
            let next = match decode(old) {
                Some(r) if now_ms < r.window_started_ms + window_ms && r.failures >= max => r,
                Some(r) if now_ms < r.window_started_ms + window_ms => {
                    LoginAttemptsRecordV1 { failures: r.failures.saturating_add(1), ..r }
                }
                _ => LoginAttemptsRecordV1 { window_started_ms: now_ms, failures: 1 },
            };
            codec::encode(LoginAttemptsRecordV1::VERSION, &next).ok()
        })?;
        Ok(decode(previous.as_deref()).filter(|r| now_ms < r.window_started_ms + window_ms))
    }

    /// Forgets the sign-in attempts of `username` from every address (after a new password).
    pub fn clear_login_attempts_of(&self, username: &str) -> Result<usize, StoreError> {
        let _gate = self.write_gate()?;
        let suffix = [&[0u8][..], username.to_lowercase().as_bytes()].concat();
        let mut removed = 0;
        for entry in self.trees().loginkey_attempts.iter() {
            let (key, _) = entry?;
            if key.ends_with(&suffix) {
                self.trees().loginkey_attempts.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes counters whose window started before `cutoff_ms`.
    pub fn sweep_login_attempts_before(&self, cutoff_ms: u64) -> Result<usize, StoreError> {
        let _gate = self.write_gate()?;
        let mut removed = 0;
        for entry in self.trees().loginkey_attempts.iter() {
            let (key, value) = entry?;
            let stale = codec::decode::<LoginAttemptsRecordV1>(LoginAttemptsRecordV1::VERSION, &value)
                .map(|r| r.window_started_ms < cutoff_ms)
                .unwrap_or(true);
            if stale {
                self.trees().loginkey_attempts.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub fn login_attempts(&self, client: &str, username: &str) -> Result<Option<LoginAttemptsRecordV1>, StoreError> {
        match self.trees().loginkey_attempts.get(attempts_key(client, username))? {
            Some(bytes) => Ok(Some(codec::decode(LoginAttemptsRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    pub fn clear_login_attempts(&self, client: &str, username: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate()?;
        self.trees().loginkey_attempts.remove(attempts_key(client, username))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_swept_by_last_use_and_ended_by_user() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let session = |user: &str, seen: u64| SessionRecordV1 {
            username: user.into(),
            csrf_token: "t".into(),
            created_at_ms: 0,
            last_seen_ms: seen,
        };
        store.put_session(&[1; 32], &session("ann", 100)).unwrap();
        store.put_session(&[2; 32], &session("ann", 900)).unwrap();
        store.put_session(&[3; 32], &session("bob", 900)).unwrap();
        assert_eq!(store.sweep_sessions_before(500).unwrap(), 1);
        assert!(store.session(&[1; 32]).unwrap().is_none());
        assert_eq!(store.delete_sessions_of("ann").unwrap(), 1);
        assert!(store.session(&[3; 32]).unwrap().is_some());
    }
}
