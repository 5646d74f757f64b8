//! Random tokens from the OS random source, for links, OAuth `state`, nonces and PKCE
//! verifiers. Foundation, like `utc`: no import from the crate.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// `bytes` random bytes as URL-safe base64 without padding (4 characters per 3 bytes).
pub fn url_safe_token(bytes: usize) -> Result<String, String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).map_err(|e| format!("no random bytes from the OS: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_url_safe_of_the_asked_length_and_differ() {
        let (a, b) = (super::url_safe_token(24).unwrap(), super::url_safe_token(24).unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
