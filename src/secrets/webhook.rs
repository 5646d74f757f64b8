//! The webhook secret: pinned by config, or generated once and kept encrypted in the store.

use std::sync::{Mutex, RwLock};

use super::{audit_regeneration, generate, RegenerateError};
use crate::live_config::Settings;
use crate::secrets::verify::AcceptedSecrets;
use crate::store::secret_names::{WEBHOOK_SECRET as CURRENT, WEBHOOK_SECRET_PREVIOUS as PREVIOUS};
use crate::store::{MasterKey, Store, StoreError, StoredSecret};

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

/// Serializes regenerations of the webhook secret (see [`regenerate`]).
static REGENERATING: Mutex<()> = Mutex::new(());

/// A new webhook secret (shown once) and until when the one it replaces still works.
#[derive(Clone, PartialEq, Eq)]
pub struct Regenerated {
    pub secret: String,
    pub previous_valid_until_ms: u64,
}

impl std::fmt::Debug for Regenerated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Regenerated(***, previous_valid_until_ms: {})", self.previous_valid_until_ms)
    }
}

/// Replaces the webhook secret with a generated one. The old one keeps working for
/// `webhook.secret_grace_hours`, so Jira's webhooks can be updated without losing events.
/// Audited as `actor`, without either secret.
pub fn regenerate(
    settings: &Settings,
    store: &Store,
    key: &MasterKey,
    accepted: &RwLock<AcceptedSecrets>,
    actor: &str,
    now_ms: u64,
) -> Result<Regenerated, RegenerateError> {
    let source = settings.source("webhook.secret");
    if source.pins() {
        return Err(RegenerateError::Pinned { key: "webhook.secret", from: source });
    }
    let grace_ms = settings.current().webhook.secret_grace_hours.saturating_mul(3_600_000);
    let valid_until = now_ms.saturating_add(grace_ms);
    // One regeneration at a time. The accepted secrets are locked only for the swap, never
    // while the store writes: every webhook reads them, and a store stuck in a write must
    // not hold the webhooks up with it.
    let _one_at_a_time = REGENERATING.lock().unwrap_or_else(|p| p.into_inner());
    let current = accepted.read().unwrap_or_else(|p| p.into_inner()).current.clone();
    let secret = generate()?;
    // The previous one first: a crash in between leaves the old secret current, not lost.
    let previous = StoredSecret { value: current, valid_until_ms: Some(valid_until) };
    store.put_secret(PREVIOUS, &previous, key)?;
    store.put_secret(CURRENT, &StoredSecret { value: secret.clone(), valid_until_ms: None }, key)?;
    *accepted.write().unwrap_or_else(|p| p.into_inner()) = AcceptedSecrets {
        current: secret.clone(),
        previous: Some(previous.value),
        previous_valid_until_ms: Some(valid_until),
    };
    audit_regeneration(store, actor, "secret.webhook.regenerate", "webhook.secret", now_ms)?;
    Ok(Regenerated { secret, previous_valid_until_ms: valid_until })
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
