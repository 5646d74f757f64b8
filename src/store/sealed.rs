//! Values sealed with the master key (AES-256-GCM, a fresh random 96-bit nonce each time).
//!
//! Since record version 2 of each sealed kind, the tree and the record's key are the
//! associated data: a ciphertext copied into another record, or another tree, does not open.
//! Version 1 records were sealed without associated data; they still open, and
//! [`Store::reseal_old_records`] rewrites them at start, once the key is known (a migration
//! cannot: it runs before anyone has the key).

use super::codec;
use super::records::{CommandRegistrationRecordV1, SecretRecordV1};
use super::secrets::MasterKey;
use super::{schema, Store, StoreError};

/// Record version of sealed values bound to their place.
pub const BOUND: u16 = 2;
/// Record version of sealed values from before (no associated data).
pub const UNBOUND: u16 = 1;

/// Where a sealed value lives: its tree and record key, the associated data.
pub(super) fn place(tree: &str, record_key: &[u8]) -> Vec<u8> {
    [b"jirabridge sealed\0".as_slice(), tree.as_bytes(), b"\0", record_key].concat()
}

/// The associated data a record of `version` was sealed with.
fn place_for(version: u16, tree: &str, record_key: &[u8]) -> Vec<u8> {
    if version == UNBOUND {
        Vec::new()
    } else {
        place(tree, record_key)
    }
}

/// A stored secret's fields, whatever its version, and the associated data to open it.
pub(super) fn read_secret(record_key: &[u8], bytes: &[u8]) -> Result<(SecretRecordV1, Vec<u8>), StoreError> {
    let (version, body) = codec::split_version(bytes)?;
    check_version(version)?;
    Ok((codec::decode_body(body)?, place_for(version, schema::SECRET_VALUE, record_key)))
}

/// A command registration's fields, whatever its version, and the associated data.
pub(super) fn read_registration(
    team_id: &[u8],
    bytes: &[u8],
) -> Result<(CommandRegistrationRecordV1, Vec<u8>), StoreError> {
    let (version, body) = codec::split_version(bytes)?;
    check_version(version)?;
    Ok((codec::decode_body(body)?, place_for(version, schema::COMMANDTEAM_TOKEN, team_id)))
}

fn check_version(version: u16) -> Result<(), StoreError> {
    match version {
        UNBOUND | BOUND => Ok(()),
        other => Err(StoreError::Codec(format!("sealed record version {other}, expected {UNBOUND} or {BOUND}"))),
    }
}

impl Store {
    /// Rewrites every sealed record of version 1 as version 2 (bound to its place), then
    /// flushes; answers how many were rewritten. A record that does not open with `key`
    /// stops it with that error, before anything else is rewritten.
    pub fn reseal_old_records(&self, key: &MasterKey) -> Result<usize, StoreError> {
        let t = self.trees();
        let mut rewrites = Vec::new();
        for entry in t.secret_value.iter() {
            let (name, bytes) = entry?;
            if codec::split_version(&bytes)?.0 != UNBOUND {
                continue;
            }
            let (mut record, unbound) = read_secret(&name, &bytes)?;
            let plain = key.open_bytes(&record.nonce, &record.ciphertext, &unbound, "a stored secret")?;
            (record.nonce, record.ciphertext) = key.seal(&plain, &place(schema::SECRET_VALUE, &name))?;
            rewrites.push((&t.secret_value, name, codec::encode(BOUND, &record)?));
        }
        for entry in t.commandteam_token.iter() {
            let (team, bytes) = entry?;
            if codec::split_version(&bytes)?.0 != UNBOUND {
                continue;
            }
            let (mut record, unbound) = read_registration(&team, &bytes)?;
            let plain = key.open_bytes(&record.nonce, &record.token_ciphertext, &unbound, "a /jira token")?;
            (record.nonce, record.token_ciphertext) = key.seal(&plain, &place(schema::COMMANDTEAM_TOKEN, &team))?;
            rewrites.push((&t.commandteam_token, team, codec::encode(BOUND, &record)?));
        }
        if rewrites.is_empty() {
            return Ok(0);
        }
        {
            let _gate = self.write_gate()?;
            for (tree, record_key, value) in &rewrites {
                tree.insert(record_key, value.as_slice())?;
            }
        }
        self.flush_now()?;
        Ok(rewrites.len())
    }

    /// Whether `key` opens what this store holds sealed (the first sealed record found);
    /// `true` when nothing is sealed yet.
    pub fn key_opens_store(&self, key: &MasterKey) -> Result<bool, StoreError> {
        let t = self.trees();
        if let Some((name, bytes)) = t.secret_value.first()? {
            let (record, place) = read_secret(&name, &bytes)?;
            return Ok(key.open_bytes(&record.nonce, &record.ciphertext, &place, "").is_ok());
        }
        if let Some((team, bytes)) = t.commandteam_token.first()? {
            let (record, place) = read_registration(&team, &bytes)?;
            return Ok(key.open_bytes(&record.nonce, &record.token_ciphertext, &place, "").is_ok());
        }
        self.key_opens_connections(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::secrets::StoredSecret;

    fn open_store() -> (tempfile::TempDir, Store, MasterKey) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let key = MasterKey::load_or_create(dir.path()).unwrap();
        (dir, store, key)
    }

    fn secret(value: &str) -> StoredSecret {
        StoredSecret { value: value.into(), valid_until_ms: None }
    }

    #[test]
    fn a_sealed_value_moved_to_another_record_does_not_open() {
        let (_dir, store, key) = open_store();
        store.put_secret("webhook_secret", &secret("s3cret"), &key).unwrap();
        let bytes = store.trees().secret_value.get("webhook_secret").unwrap().unwrap();
        store.trees().secret_value.insert("webhook_secret_previous", bytes).unwrap(); // no gate: a test
        assert_eq!(store.secret("webhook_secret", &key).unwrap().unwrap().value, "s3cret");
        let moved = store.secret("webhook_secret_previous", &key).unwrap_err().to_string();
        assert!(moved.contains("does not decrypt"), "{moved}");
    }

    #[test]
    fn records_sealed_without_their_place_still_read_and_are_resealed_once() {
        let (_dir, store, key) = open_store();
        let (nonce, ciphertext) = key.seal(b"old-value", &[]).unwrap();
        let old = SecretRecordV1 { nonce, ciphertext, valid_until_ms: Some(7) };
        // A version 1 record as jirabridge wrote it before (no gate: nothing else runs).
        store.trees().secret_value.insert("webhook_secret", codec::encode(UNBOUND, &old).unwrap()).unwrap();
        assert_eq!(store.secret("webhook_secret", &key).unwrap().unwrap().value, "old-value");
        assert!(store.key_opens_store(&key).unwrap());
        assert_eq!(store.reseal_old_records(&key).unwrap(), 1);
        let bytes = store.trees().secret_value.get("webhook_secret").unwrap().unwrap();
        assert_eq!(codec::split_version(&bytes).unwrap().0, BOUND);
        let read = store.secret("webhook_secret", &key).unwrap().unwrap();
        assert_eq!((read.value.as_str(), read.valid_until_ms), ("old-value", Some(7)));
        assert_eq!(store.reseal_old_records(&key).unwrap(), 0, "nothing left to reseal");
    }

    #[test]
    fn another_key_does_not_open_the_store() {
        let (_dir, store, key) = open_store();
        assert!(store.key_opens_store(&key).unwrap(), "nothing sealed yet");
        store.put_secret("webhook_secret", &secret("s3cret"), &key).unwrap();
        let other = MasterKey::for_store(&"cd".repeat(32), std::path::Path::new("/nonexistent")).unwrap();
        assert!(store.key_opens_store(&key).unwrap());
        assert!(!store.key_opens_store(&other).unwrap());
        assert!(store.reseal_old_records(&other).is_ok(), "bound records are left alone");
    }
}
