//! The admin API token: pinned by config, or generated once; only its SHA-256 is kept.

use sha2::{Digest, Sha256};

use crate::store::{MasterKey, Store, StoreError, StoredSecret};

pub const HASH_NAME: &str = "admin_api_token_sha256";

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
    let token = crate::webhook::secret::generate()?;
    let hashed = hash(&token);
    store.put_secret(HASH_NAME, &StoredSecret { value: hex::encode(hashed), valid_until_ms: None }, key)?;
    Ok((hashed, Some(token)))
}
