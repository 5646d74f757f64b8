//! Webhook authentication (SPEC §4.2): the `secret` query parameter and the
//! `X-Hub-Signature` HMAC, both compared in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The secrets a webhook may present: the current one and, during its grace period,
/// the one it replaced.
#[derive(Clone, Default)]
pub struct AcceptedSecrets {
    pub current: String,
    pub previous: Option<String>,
    /// When `previous` stops being accepted (ms); `None` = no limit.
    pub previous_valid_until_ms: Option<u64>,
}

impl std::fmt::Debug for AcceptedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AcceptedSecrets(***)")
    }
}

/// Why a request was refused; all causes answer the same 401 body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    MissingSecret,
    WrongSecret,
    BadSignature,
    SignatureRequired,
}

impl AcceptedSecrets {
    /// These secrets at `now_ms`: the previous one is dropped once its grace period is over.
    pub fn at(mut self, now_ms: u64) -> AcceptedSecrets {
        if self.previous_valid_until_ms.is_some_and(|until| until <= now_ms) {
            self.previous = None;
        }
        self
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.current.as_str()).chain(self.previous.as_deref()).filter(|s| !s.is_empty())
    }

    /// Checks a request: `query_secret` is the raw (still percent-encoded) `secret`
    /// parameter, `signature` the `X-Hub-Signature` header.
    pub fn check(
        &self,
        query_secret: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        require_signature: bool,
    ) -> Result<(), Refusal> {
        if let Some(header) = signature {
            if !self.all().any(|s| signature_matches(s, header, body)) {
                return Err(Refusal::BadSignature);
            }
            return match query_secret {
                Some(q) if !self.query_matches(q) => Err(Refusal::WrongSecret),
                _ => Ok(()),
            };
        }
        if require_signature {
            return Err(Refusal::SignatureRequired);
        }
        match query_secret {
            None => Err(Refusal::MissingSecret),
            Some(q) if self.query_matches(q) => Ok(()),
            Some(_) => Err(Refusal::WrongSecret),
        }
    }

    /// Compares the query value, unescaping it again while that changes it, so
    /// double-encoded secrets in old Jira configurations keep working.
    fn query_matches(&self, raw: &str) -> bool {
        let mut candidate = raw.to_string();
        for _ in 0..8 {
            if self.all().any(|s| constant_time_eq(s.as_bytes(), candidate.as_bytes())) {
                return true;
            }
            let unescaped = percent_decode(&candidate);
            if unescaped == candidate {
                return false;
            }
            candidate = unescaped;
        }
        false
    }
}

/// Constant-time equality (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// `sha256=<hex of HMAC-SHA256(secret, body)>`, hex in either case.
fn signature_matches(secret: &str, header: &str, body: &[u8]) -> bool {
    let Some(hex_part) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_part.to_ascii_lowercase()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// The signature Jira would send for `body` (tests and the fake Jira use it).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_pair = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex_pair) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> AcceptedSecrets {
        AcceptedSecrets { current: "abc/def+1=".into(), previous: Some("old-secret".into()), ..Default::default() }
    }

    #[test]
    fn query_secret_plain_encoded_double_encoded_and_previous() {
        let s = secrets();
        assert_eq!(s.check(Some("abc/def+1="), None, b"", false), Ok(()));
        assert_eq!(s.check(Some("abc%2Fdef%2B1%3D"), None, b"", false), Ok(()));
        assert_eq!(s.check(Some("abc%252Fdef%252B1%253D"), None, b"", false), Ok(()));
        assert_eq!(s.check(Some("old-secret"), None, b"", false), Ok(()));
        assert_eq!(s.check(Some("nope"), None, b"", false), Err(Refusal::WrongSecret));
        assert_eq!(s.check(None, None, b"", false), Err(Refusal::MissingSecret));
    }

    #[test]
    fn signature_is_checked_against_the_raw_body() {
        let s = secrets();
        let body = br#"{"webhookEvent":"jira:issue_created"}"#;
        let good = sign("abc/def+1=", body);
        assert_eq!(s.check(None, Some(&good), body, true), Ok(()));
        assert_eq!(s.check(None, Some(&good.to_uppercase().replace("SHA256=", "sha256=")), body, false), Ok(()));
        assert_eq!(s.check(None, Some(&good), b"{}", false), Err(Refusal::BadSignature));
        assert_eq!(s.check(None, Some("sha1=00"), body, false), Err(Refusal::BadSignature));
        assert_eq!(s.check(Some("wrong"), Some(&good), body, false), Err(Refusal::WrongSecret));
        assert_eq!(s.check(Some("abc/def+1="), None, body, true), Err(Refusal::SignatureRequired));
    }

    #[test]
    fn empty_secrets_never_match() {
        let s = AcceptedSecrets::default();
        assert_eq!(s.check(Some(""), None, b"", false), Err(Refusal::WrongSecret));
    }
}
