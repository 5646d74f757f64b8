//! Checking secrets (`verify`: constant-time comparison, the webhook secrets accepted now,
//! HMAC signatures) and the secrets jirabridge makes itself: the webhook secret (`webhook`)
//! and the admin API token (`admin_token`), each pinned by config or generated once, and
//! regenerated from the console or the API, audited without their values. The faces call these; the stored
//! records' names are the store's (`store::secret_names`).

pub mod admin_token;
pub mod verify;
pub mod webhook;

use base64::Engine;

use crate::config::Source;
use crate::store::records::AuditRecordV1;
use crate::store::{Store, StoreError};

/// Why a secret cannot be regenerated.
#[derive(Debug, thiserror::Error)]
pub enum RegenerateError {
    /// Set in the config file or the environment, which jirabridge does not edit.
    #[error("{key} is set in {}; change it there", from.as_str())]
    Pinned { key: &'static str, from: Source },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An audit entry for a regenerated secret: the values are never written, only `***`.
pub fn audit_regeneration(
    store: &Store,
    actor: &str,
    action: &str,
    target: &str,
    now_ms: u64,
) -> Result<(), StoreError> {
    let redacted = Some(r#""***""#.to_string());
    let entry = AuditRecordV1::new(actor, action, target, redacted.clone(), redacted, now_ms);
    store.audit(&entry)
}

/// 32 characters of the URL-safe base64 alphabet (24 random bytes).
pub fn generate() -> Result<String, StoreError> {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|e| StoreError::Key(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
