//! Signed state for dialogs and buttons (SPEC §10.4). Mattermost signs none of the requests
//! a dialog submission or a button click makes, and passes `state` and `context` through the
//! user's client, so jirabridge signs what it hands out and checks it when it comes back:
//! `v1.<base64url(JSON)>.<base64url(HMAC-SHA256(key, "v1." + base64 JSON))>`. A token is
//! valid only when its MAC verifies (constant time), it has not expired, and the user and
//! channel are those it was made for.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::store::secret_names::STATE_SIGNING_KEY;
use crate::store::{MasterKey, Store, StoreError, StoredSecret};

const PREFIX: &str = "v1.";

/// Lifetimes of §10.4, in seconds.
pub const DIALOG_SECS: u64 = 30 * 60;
pub const EPHEMERAL_BUTTON_SECS: u64 = 24 * 3600;
pub const CHANNEL_BUTTON_SECS: u64 = 30 * 24 * 3600;

/// What a token carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedState {
    /// What the dialog or button does (`transition`, `share`, `subedit`, …).
    pub op: String,
    /// The user it was made for; absent when any member of the channel may use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The channel it was made in.
    pub cid: String,
    /// The Jira instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iid: Option<String>,
    /// The issue key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// The command's response URL, for results after the first reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rurl: Option<String>,
    /// A random nonce for tokens that change something: used once (`token_onetime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// The op's own data.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// Why a token is refused. Callers answer all of them the same way (§3.3); the kind is for
/// the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not a v1 token")]
    Malformed,
    #[error("the signature does not match")]
    BadSignature,
    #[error("expired")]
    Expired,
    #[error("made for another user")]
    OtherUser,
    #[error("made for another channel")]
    OtherChannel,
}

/// The key tokens are signed with (kept encrypted in the store, never the webhook secret).
#[derive(Clone)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    pub fn new(bytes: [u8; 32]) -> SigningKey {
        SigningKey(bytes)
    }

    /// The store's signing key, made at first use and kept encrypted like every secret.
    pub fn load_or_generate(store: &Store, master: &MasterKey) -> Result<SigningKey, StoreError> {
        if let Some(stored) = store.secret(STATE_SIGNING_KEY, master)? {
            let bytes = hex::decode(stored.value.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
            return bytes
                .map(SigningKey)
                .ok_or_else(|| StoreError::Codec("the stored state signing key is not 32 hex bytes".into()));
        }
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| StoreError::Key(e.to_string()))?;
        store.put_secret(
            STATE_SIGNING_KEY,
            &StoredSecret { value: hex::encode(bytes), valid_until_ms: None },
            master,
        )?;
        Ok(SigningKey(bytes))
    }

    fn mac(&self, signed_part: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(signed_part.as_bytes());
        mac
    }

    /// The token for `state`.
    pub fn sign(&self, state: &SignedState) -> String {
        let json = serde_json::to_vec(state).expect("a signed state always serialises");
        let signed_part = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
        let tag = URL_SAFE_NO_PAD.encode(self.mac(&signed_part).finalize().into_bytes());
        format!("{signed_part}.{tag}")
    }

    /// The state of `token`, if it is valid for `user_id` in `channel_id` at `now_secs`.
    pub fn verify(&self, token: &str, user_id: &str, channel_id: &str, now_secs: u64) -> Result<SignedState, Refused> {
        let rest = token.strip_prefix(PREFIX).ok_or(Refused::Malformed)?;
        let (body, tag) = rest.split_once('.').ok_or(Refused::Malformed)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Refused::Malformed)?;
        // The MAC first, in constant time: nothing of an unsigned body is read.
        self.mac(&format!("{PREFIX}{body}")).verify_slice(&tag).map_err(|_| Refused::BadSignature)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| Refused::Malformed)?;
        let state: SignedState = serde_json::from_slice(&json).map_err(|_| Refused::Malformed)?;
        if state.exp <= now_secs {
            return Err(Refused::Expired);
        }
        if state.uid.as_deref().is_some_and(|uid| uid != user_id) {
            return Err(Refused::OtherUser);
        }
        if state.cid != channel_id {
            return Err(Refused::OtherChannel);
        }
        Ok(state)
    }
}

/// A fresh random nonce for a token that changes something.
pub fn nonce() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SignedState {
        SignedState {
            op: "transition".into(),
            uid: Some("user1".into()),
            cid: "chan1".into(),
            iid: Some("https://jira.example.com".into()),
            key: Some("EXT-1".into()),
            exp: 1_000,
            rurl: None,
            n: Some("nonce".into()),
            data: serde_json::Map::new(),
        }
    }

    fn key() -> SigningKey {
        SigningKey::new([7; 32])
    }

    #[test]
    fn the_signing_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let master = MasterKey::load_or_create(dir.path()).unwrap();
        let first = SigningKey::load_or_generate(&store, &master).unwrap();
        let again = SigningKey::load_or_generate(&store, &master).unwrap();
        assert_eq!(first.0, again.0);
        assert_ne!(first.0, [0; 32]);
    }

    #[test]
    fn a_signed_state_comes_back_for_its_user_and_channel_before_it_expires() {
        let token = key().sign(&state());
        assert!(token.starts_with("v1."));
        assert_eq!(key().verify(&token, "user1", "chan1", 999), Ok(state()));
        assert_eq!(key().verify(&token, "user1", "chan1", 1_000), Err(Refused::Expired));
        assert_eq!(key().verify(&token, "user2", "chan1", 999), Err(Refused::OtherUser));
        assert_eq!(key().verify(&token, "user1", "chan2", 999), Err(Refused::OtherChannel));
        let anyone = SignedState { uid: None, ..state() };
        assert!(key().verify(&key().sign(&anyone), "whoever", "chan1", 999).is_ok(), "any member of the channel");
    }

    #[test]
    fn forged_edited_and_odd_tokens_are_refused() {
        let token = key().sign(&state());
        let other_key = SigningKey::new([8; 32]);
        assert_eq!(other_key.verify(&token, "user1", "chan1", 999), Err(Refused::BadSignature));
        // A flipped byte of the MAC.
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(key().verify(&flipped, "user1", "chan1", 999), Err(Refused::BadSignature));
        // An edited payload with the old MAC.
        let (_, tag) = token.rsplit_once('.').unwrap();
        let edited = SignedState { exp: 9_999_999, ..state() };
        let edited_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&edited).unwrap());
        assert_eq!(key().verify(&format!("v1.{edited_body}.{tag}"), "user1", "chan1", 999), Err(Refused::BadSignature));
        assert_eq!(key().verify(&token.replacen("v1.", "v2.", 1), "user1", "chan1", 999), Err(Refused::Malformed));
        assert_eq!(key().verify("v1.not base64!.also not", "user1", "chan1", 999), Err(Refused::Malformed));
        assert_eq!(key().verify("", "user1", "chan1", 999), Err(Refused::Malformed));
    }
}
