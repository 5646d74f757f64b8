//! Admin console accounts (`adminuser_record`): user name → password hash and times.
//! Validation and hashing live in `accounts`; this is storage only.

use super::codec;
use super::records::AdminUserRecordV1;
use super::{Store, StoreError};

impl Store {
    pub fn admin_user(&self, username: &str) -> Result<Option<AdminUserRecordV1>, StoreError> {
        match self.trees().adminuser_record.get(username)? {
            Some(bytes) => Ok(Some(codec::decode(AdminUserRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Every account, ordered by user name.
    pub fn admin_users(&self) -> Result<Vec<AdminUserRecordV1>, StoreError> {
        let tree = &self.trees().adminuser_record;
        tree.iter().map(|entry| codec::decode(AdminUserRecordV1::VERSION, &entry?.1)).collect()
    }

    pub fn has_admin_users(&self) -> Result<bool, StoreError> {
        Ok(self.trees().adminuser_record.first()?.is_some())
    }

    /// Creates or replaces the account `record.username`, then flushes.
    pub fn put_admin_user(&self, record: &AdminUserRecordV1) -> Result<(), StoreError> {
        let value = codec::encode(AdminUserRecordV1::VERSION, record)?;
        self.write_gate_insert(&self.trees().adminuser_record, record.username.as_bytes(), value)?;
        self.flush_now()
    }

    /// Removes the account `username`, then flushes; returns what it was, or `None` when
    /// there was no such account.
    pub fn delete_admin_user(&self, username: &str) -> Result<Option<AdminUserRecordV1>, StoreError> {
        let removed = {
            let _gate = self.write_gate()?;
            self.trees().adminuser_record.remove(username)?
        };
        let Some(bytes) = removed else { return Ok(None) };
        self.flush_now()?;
        Ok(Some(codec::decode(AdminUserRecordV1::VERSION, &bytes)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_stored_replaced_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        assert!(!store.has_admin_users().unwrap());
        let mut alice = AdminUserRecordV1 {
            username: "alice".into(),
            password_hash: "$argon2id$x".into(),
            created_at_ms: 1,
            updated_at_ms: 1,
        };
        store.put_admin_user(&alice).unwrap();
        alice.updated_at_ms = 2;
        store.put_admin_user(&alice).unwrap();
        assert!(store.has_admin_users().unwrap());
        assert_eq!(store.admin_user("alice").unwrap(), Some(alice.clone()));
        assert_eq!(store.admin_users().unwrap(), vec![alice]);
        assert_eq!(store.admin_user("bob").unwrap(), None);
        assert!(!format!("{:?}", store.admin_users().unwrap()).contains("argon2id"));
    }
}
