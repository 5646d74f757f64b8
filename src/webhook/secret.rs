//! The webhook secret: pinned by config, or generated once and kept encrypted in the store.

use base64::Engine;

use super::auth::AcceptedSecrets;
use crate::store::{MasterKey, Store, StoreError, StoredSecret};

pub const CURRENT: &str = "webhook_secret";
pub const PREVIOUS: &str = "webhook_secret_previous";

/// Where the secret in force came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Config,
    Stored,
    /// Generated at this start: the only time it is logged.
    GeneratedNow,
}

/// Returns the accepted secrets, generating and storing one if none is configured.
pub fn load_or_generate(
    configured: &str,
    store: &Store,
    key: &MasterKey,
    now_ms: u64,
) -> Result<(AcceptedSecrets, Origin), StoreError> {
    let previous = store.secret(PREVIOUS, key)?.filter(|p| p.valid_until_ms.is_some_and(|until| until > now_ms));
    let accepted = |current: String| AcceptedSecrets {
        current,
        previous_valid_until_ms: previous.as_ref().and_then(|p| p.valid_until_ms),
        previous: previous.clone().map(|p| p.value),
    };
    if !configured.is_empty() {
        return Ok((accepted(configured.to_string()), Origin::Config));
    }
    if let Some(stored) = store.secret(CURRENT, key)? {
        return Ok((accepted(stored.value), Origin::Stored));
    }
    let generated = generate()?;
    store.put_secret(CURRENT, &StoredSecret { value: generated.clone(), valid_until_ms: None }, key)?;
    Ok((accepted(generated), Origin::GeneratedNow))
}

/// 32 characters of the URL-safe base64 alphabet (24 random bytes).
pub fn generate() -> Result<String, StoreError> {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|e| StoreError::Key(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_then_reused_and_config_wins() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let key = MasterKey::load_or_create(dir.path()).unwrap();
        let (first, origin) = load_or_generate("", &store, &key, 0).unwrap();
        assert_eq!(origin, Origin::GeneratedNow);
        assert_eq!(first.current.len(), 32);
        assert!(first.current.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let (again, origin) = load_or_generate("", &store, &key, 0).unwrap();
        assert_eq!((again.current.as_str(), origin), (first.current.as_str(), Origin::Stored));
        let (pinned, origin) = load_or_generate("from-config", &store, &key, 0).unwrap();
        assert_eq!((pinned.current.as_str(), origin), ("from-config", Origin::Config));
    }
}
