//! Generated secrets at rest: AES-256-GCM under a master key kept beside the database.

/// The names of the secrets jirabridge makes itself, under which `secret_value` keeps them.
pub mod secret_names {
    /// The webhook secret in force.
    pub const WEBHOOK_SECRET: &str = "webhook_secret";
    /// The webhook secret before the last regeneration, accepted until its grace ends.
    pub const WEBHOOK_SECRET_PREVIOUS: &str = "webhook_secret_previous";
    /// SHA-256 of the admin API token (the token itself is never kept).
    pub const ADMIN_TOKEN_HASH: &str = "admin_api_token_sha256";
    /// The key that signs dialog and button state (hex).
    pub const STATE_SIGNING_KEY: &str = "state_signing_key";
}

use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, Key, KeyInit, Nonce};
use base64::Engine;

use super::codec;
use super::export::KeyText;
use super::records::SecretRecordV1;
use super::sealed::{self, place, read_secret};
use super::{Store, StoreError};

const KEY_FILE: &str = "master.key";

/// The key that encrypts `secret_value`. `Debug` never shows it.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    /// The key in force: `security.encryption_key` when it is set (32 bytes as base64 or
    /// hex), else `<data_dir>/master.key`, created on first start. Secrets stored under one
    /// key do not decrypt under another; the error then says so.
    pub fn for_store(configured: &str, data_dir: &Path) -> Result<MasterKey, StoreError> {
        let text = configured.trim();
        if text.is_empty() {
            return Self::load_or_create(data_dir);
        }
        let engine = base64::engine::general_purpose::STANDARD;
        [engine.decode(text).ok(), hex::decode(text).ok()]
            .into_iter()
            .flatten()
            .find_map(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(MasterKey)
            .ok_or_else(|| StoreError::Key("security.encryption_key is not 32 bytes as base64 or hex".into()))
    }

    /// Reads `<data_dir>/master.key`, creating it (mode 0600) on first start.
    pub fn load_or_create(data_dir: &Path) -> Result<MasterKey, StoreError> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(text.trim()).map_err(|e| StoreError::Key(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(&path),
            Err(e) => Err(StoreError::Key(format!("cannot read {}: {e}", path.display()))),
        }
    }

    fn parse(text: &str) -> Result<MasterKey, String> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| "not base64".to_string())?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| "not 32 bytes".to_string())?;
        Ok(MasterKey(key))
    }

    fn create(path: &Path) -> Result<MasterKey, StoreError> {
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key).map_err(|e| StoreError::Key(e.to_string()))?;
        let text = base64::engine::general_purpose::STANDARD.encode(key);
        write_private(path, text.as_bytes())
            .map_err(|e| StoreError::Key(format!("cannot write {}: {e}", path.display())))?;
        Ok(MasterKey(key))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }

    /// `plain` encrypted under a fresh random nonce with `place` as associated data (see
    /// `sealed`): (nonce, ciphertext).
    pub(super) fn seal(&self, plain: &[u8], place: &[u8]) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce).map_err(|e| StoreError::Key(e.to_string()))?;
        let sealed = self.cipher().encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: place });
        Ok((nonce.to_vec(), sealed.map_err(|_| StoreError::Key("encryption failed".into()))?))
    }

    /// What [`MasterKey::seal`] sealed at `place`; `what` names it in the error.
    pub(super) fn open_bytes(
        &self,
        nonce: &[u8],
        sealed: &[u8],
        place: &[u8],
        what: &str,
    ) -> Result<Vec<u8>, StoreError> {
        if nonce.len() != 12 {
            return Err(StoreError::Codec(format!("{what} has a nonce of {} bytes", nonce.len())));
        }
        self.cipher().decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: place }).map_err(|_| {
            StoreError::Key(format!(
                "{what} does not decrypt with the key in force (security.encryption_key, else {KEY_FILE}); was the key \
                 replaced, or the value moved from another record?"
            ))
        })
    }

    /// [`MasterKey::open_bytes`] as text.
    pub(super) fn open(&self, nonce: &[u8], sealed: &[u8], place: &[u8], what: &str) -> Result<String, StoreError> {
        let plain = self.open_bytes(nonce, sealed, place, what)?;
        String::from_utf8(plain).map_err(|_| StoreError::Codec(format!("{what} is not UTF-8")))
    }
}

fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(content)?;
    file.sync_all()
}

/// Where the master key of the store at `data_dir` is kept.
pub fn master_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

/// The master key file's text, checked to be a key (for a backup with `--include-key`).
pub fn read_master_key_text(data_dir: &Path) -> Result<KeyText, StoreError> {
    let path = master_key_path(data_dir);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| StoreError::Key(format!("cannot read {} for --include-key: {e}", path.display())))?;
    MasterKey::parse(text.trim()).map_err(|e| StoreError::Key(format!("{}: {e}", path.display())))?;
    Ok(KeyText(text.trim().to_string()))
}

/// Installs a master key taken from a backup: written beside, mode 0600, then renamed
/// over `master.key`, so a crash leaves the old key or the new one, never half a key.
pub fn write_master_key_text(data_dir: &Path, key: &KeyText) -> Result<PathBuf, StoreError> {
    MasterKey::parse(&key.0).map_err(|e| StoreError::Key(format!("the backup's master key is damaged: {e}")))?;
    let path = master_key_path(data_dir);
    let temporary = data_dir.join(format!("{KEY_FILE}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    write_private(&temporary, key.0.as_bytes())
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|e| StoreError::Key(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// A decrypted secret and, for a superseded one, until when it is still accepted.
#[derive(Clone, PartialEq)]
pub struct StoredSecret {
    pub value: String,
    pub valid_until_ms: Option<u64>,
}

impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredSecret(***, valid_until_ms: {:?})", self.valid_until_ms)
    }
}

impl Store {
    /// Reads and decrypts the secret stored under `name`.
    pub fn secret(&self, name: &str, key: &MasterKey) -> Result<Option<StoredSecret>, StoreError> {
        let Some(bytes) = self.trees().secret_value.get(name)? else {
            return Ok(None);
        };
        let (record, place) = read_secret(name.as_bytes(), &bytes)?;
        let value = key.open(&record.nonce, &record.ciphertext, &place, &format!("secret {name}"))?;
        Ok(Some(StoredSecret { value, valid_until_ms: record.valid_until_ms }))
    }

    /// Encrypts and stores a secret under `name`, then flushes.
    pub fn put_secret(&self, name: &str, secret: &StoredSecret, key: &MasterKey) -> Result<(), StoreError> {
        let value = seal_secret(name, secret, key)?;
        self.write_gate_insert(&self.trees().secret_value, name.as_bytes(), value)?;
        self.flush_now()
    }

    /// Removes the secret stored under `name`, then flushes.
    pub fn remove_secret(&self, name: &str) -> Result<(), StoreError> {
        {
            let _gate = self.write_gate()?;
            self.trees().secret_value.remove(name)?;
        }
        self.flush_now()
    }

    /// Removes the secret under `name` and answers it: a second take finds nothing, so a
    /// value taken this way is used at most once. Flushes.
    pub fn take_secret(&self, name: &str, key: &MasterKey) -> Result<Option<StoredSecret>, StoreError> {
        let removed = {
            let _gate = self.write_gate()?;
            self.trees().secret_value.remove(name)?
        };
        let Some(bytes) = removed else { return Ok(None) };
        self.flush_now()?;
        let (record, place) = read_secret(name.as_bytes(), &bytes)?;
        let value = key.open(&record.nonce, &record.ciphertext, &place, &format!("secret {name}"))?;
        Ok(Some(StoredSecret { value, valid_until_ms: record.valid_until_ms }))
    }

    /// Removes the secrets named `prefix…` whose `valid_until_ms` is before `now_ms` (links
    /// and OAuth states nobody came back for); answers how many.
    pub fn sweep_expired_secrets(&self, prefix: &str, now_ms: u64) -> Result<usize, StoreError> {
        let tree = &self.trees().secret_value;
        let mut expired = Vec::new();
        for entry in tree.scan_prefix(prefix) {
            let (name, bytes) = entry?;
            if read_secret(&name, &bytes)?.0.valid_until_ms.is_some_and(|until| until < now_ms) {
                expired.push(name);
            }
        }
        if !expired.is_empty() {
            let _gate = self.write_gate()?;
            for name in &expired {
                tree.remove(name)?;
            }
        }
        Ok(expired.len())
    }

    /// Whether anything encrypted is stored (a missing key must then not be replaced).
    pub fn has_any_secret(&self) -> Result<bool, StoreError> {
        let t = self.trees();
        Ok(t.secret_value.first()?.is_some()
            || t.commandteam_token.first()?.is_some()
            || t.instance_mmuser_connection.first()?.is_some())
    }

    /// Whether a secret is stored under `name` (without decrypting it).
    pub fn has_secret(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.trees().secret_value.contains_key(name)?)
    }
}

/// `secret` as stored under `name`: sealed under the master key, bound to its place.
pub(super) fn seal_secret(name: &str, secret: &StoredSecret, key: &MasterKey) -> Result<Vec<u8>, StoreError> {
    let (nonce, ciphertext) =
        key.seal(secret.value.as_bytes(), &place(super::schema::SECRET_VALUE, name.as_bytes()))?;
    let record = SecretRecordV1 { nonce, ciphertext, valid_until_ms: secret.valid_until_ms };
    codec::encode(sealed::BOUND, &record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_key_is_used_instead_of_the_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let hex_key = "11".repeat(32);
        let from_hex = MasterKey::for_store(&hex_key, dir.path()).unwrap();
        let from_base64 =
            MasterKey::for_store(&base64::engine::general_purpose::STANDARD.encode([0x11; 32]), dir.path()).unwrap();
        assert_eq!(from_hex.0, [0x11; 32]);
        assert_eq!(from_base64.0, [0x11; 32]);
        assert!(!dir.path().join(KEY_FILE).exists(), "no key file is made");
        assert!(MasterKey::for_store("too short", dir.path()).is_err());
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let secret = StoredSecret { value: "v".into(), valid_until_ms: None };
        store.put_secret("s", &secret, &from_hex).unwrap();
        let other = MasterKey::for_store("", dir.path()).unwrap();
        assert!(store.secret("s", &other).is_err(), "another key cannot read it");
    }

    #[test]
    fn secrets_round_trip_encrypted_and_key_persists() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let key = MasterKey::load_or_create(dir.path()).unwrap();
        let secret = StoredSecret { value: "s3cret-value".into(), valid_until_ms: None };
        store.put_secret("webhook_secret", &secret, &key).unwrap();
        let again = MasterKey::load_or_create(dir.path()).unwrap();
        assert_eq!(store.secret("webhook_secret", &again).unwrap(), Some(secret));
        let raw = store.trees().secret_value.get("webhook_secret").unwrap().unwrap();
        assert!(!raw.windows(12).any(|w| w == b"s3cret-value"), "stored in clear");
        assert!(!format!("{again:?}").contains(&base64::engine::general_purpose::STANDARD.encode(again.0)));
    }
}
