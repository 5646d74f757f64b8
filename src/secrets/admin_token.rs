//! The admin API token: pinned by config, or generated once; only its SHA-256 is kept.

use sha2::{Digest, Sha256};

use std::sync::{Mutex, RwLock};

use super::{audit_regeneration, generate, RegenerateError};
use crate::live_config::Settings;
use crate::store::secret_names::ADMIN_TOKEN_HASH as HASH_NAME;
use crate::store::{MasterKey, Store, StoreError, StoredSecret};

/// Serializes regenerations of the token (see [`regenerate`]).
static REGENERATING: Mutex<()> = Mutex::new(());

/// SHA-256 of a token.
pub fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The hash to check bearer tokens against, and a token generated now (to be shown once).
pub fn load_or_generate(
    configured: &str,
    store: &Store,
    key: &MasterKey,
) -> Result<([u8; 32], Option<String>), StoreError> {
    if !configured.is_empty() {
        return Ok((hash(configured), None));
    }
    if let Some(stored) = store.secret(HASH_NAME, key)? {
        let bytes =
            hex::decode(&stored.value).map_err(|_| StoreError::Codec("stored admin token hash is not hex".into()))?;
        let array: [u8; 32] =
            bytes.try_into().map_err(|_| StoreError::Codec("stored admin token hash has the wrong length".into()))?;
        return Ok((array, None));
    }
    let token = generate()?;
    let hashed = hash(&token);
    store.put_secret(HASH_NAME, &StoredSecret { value: hex::encode(hashed), valid_until_ms: None }, key)?;
    Ok((hashed, Some(token)))
}

/// Replaces the admin API token with a generated one, returned to be shown once; only
/// its hash is kept, and the old token stops working at once. Audited as `actor`.
pub fn regenerate(
    settings: &Settings,
    store: &Store,
    key: &MasterKey,
    hash_in_force: &RwLock<[u8; 32]>,
    actor: &str,
    now_ms: u64,
) -> Result<String, RegenerateError> {
    let source = settings.source("admin.api_token");
    if source.pins() {
        return Err(RegenerateError::Pinned { key: "admin.api_token", from: source });
    }
    // One regeneration at a time. The hash in force is locked only for the swap, never while
    // the store writes: every API request reads it, and a store stuck in a write must not
    // hold them up with it.
    let _one_at_a_time = REGENERATING.lock().unwrap_or_else(|p| p.into_inner());
    let token = generate()?;
    let hashed = hash(&token);
    store.put_secret(HASH_NAME, &StoredSecret { value: hex::encode(hashed), valid_until_ms: None }, key)?;
    *hash_in_force.write().unwrap_or_else(|p| p.into_inner()) = hashed;
    audit_regeneration(store, actor, "secret.admin_token.regenerate", "admin.api_token", now_ms)?;
    Ok(token)
}
