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
        let _gate = self.write_gate();
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
                let _gate = self.write_gate();
                self.trees().sessionid_session.remove(key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes sessions last seen before `cutoff_ms`.
    pub fn sweep_sessions_before(&self, cutoff_ms: u64) -> Result<usize, StoreError> {
        let mut removed = 0;
        for entry in self.trees().sessionid_session.iter() {
            let (key, value) = entry?;
            let stale = codec::decode::<SessionRecordV1>(SessionRecordV1::VERSION, &value)
                .map(|r| r.last_seen_ms < cutoff_ms)
                .unwrap_or(true);
            if stale {
                let _gate = self.write_gate();
                self.trees().sessionid_session.remove(key)?;
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

    pub fn put_login_attempts(
        &self,
        client: &str,
        username: &str,
        record: &LoginAttemptsRecordV1,
    ) -> Result<(), StoreError> {
        let value = codec::encode(LoginAttemptsRecordV1::VERSION, record)?;
        self.write_gate_insert(&self.trees().loginkey_attempts, &attempts_key(client, username), value)
    }

    pub fn clear_login_attempts(&self, client: &str, username: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate();
        self.trees().loginkey_attempts.remove(attempts_key(client, username))?;
        Ok(())
    }
}
