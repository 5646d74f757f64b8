//! OAuth 1.0a as Jira Server and Data Center speak it (SPEC §12.1): every request carries an
//! `Authorization: OAuth …` header signed with RSA-SHA1 by jirabridge's one RSA key, whose
//! public half the Jira admin pastes into the application link.
//!
//! The signature covers the method, the URL without its query, and every query and `oauth_*`
//! parameter (JSON bodies are not signed), each percent-encoded per RFC 3986 and sorted.

use base64::Engine;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};

/// Bits of a key jirabridge makes (an imported plugin key keeps its own size).
const KEY_BITS: usize = 2048;

/// jirabridge's RSA key for OAuth 1.0a. `Debug` never shows it.
#[derive(Clone)]
pub struct RsaKey(RsaPrivateKey);

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaKey(***)")
    }
}

impl RsaKey {
    /// A new 2048-bit key from the OS random source. Slow (a second or more): call it on a
    /// blocking thread.
    pub fn generate() -> Result<RsaKey, String> {
        RsaPrivateKey::new(&mut rand_core::OsRng, KEY_BITS).map(RsaKey).map_err(|e| e.to_string())
    }

    /// The key from its PKCS#8 PEM (as [`RsaKey::to_pem`] writes it).
    pub fn from_pem(pem: &str) -> Result<RsaKey, String> {
        RsaPrivateKey::from_pkcs8_pem(pem).map(RsaKey).map_err(|e| e.to_string())
    }

    /// A key from its parts written as decimal numbers (how the Mattermost plugin stored its
    /// Go `rsa.PrivateKey`): modulus, public and private exponents, primes.
    pub fn from_decimal(n: &str, e: &str, d: &str, primes: &[String]) -> Result<RsaKey, String> {
        let number = |text: &str| {
            rsa::BigUint::parse_bytes(text.trim().as_bytes(), 10).ok_or_else(|| format!("{text:.20}… is not a number"))
        };
        let primes = primes.iter().map(|p| number(p)).collect::<Result<Vec<_>, _>>()?;
        let key =
            RsaPrivateKey::from_components(number(n)?, number(e)?, number(d)?, primes).map_err(|e| e.to_string())?;
        key.validate().map_err(|e| e.to_string())?;
        Ok(RsaKey(key))
    }

    /// The modulus size in bits (2048 for jirabridge's keys; the plugin may have made 1024).
    pub fn bits(&self) -> usize {
        rsa::traits::PublicKeyParts::size(&self.0) * 8
    }

    /// The private key as PKCS#8 PEM, for the store (sealed there).
    pub fn to_pem(&self) -> Result<String, String> {
        self.0.to_pkcs8_pem(LineEnding::LF).map(|pem| pem.to_string()).map_err(|e| e.to_string())
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), as Jira's application link
    /// asks for it.
    pub fn public_pem(&self) -> Result<String, String> {
        self.0.to_public_key().to_public_key_pem(LineEnding::LF).map_err(|e| e.to_string())
    }

    /// base64 of the RSASSA-PKCS1-v1_5 SHA-1 signature of `text`.
    pub fn sign(&self, text: &str) -> String {
        let signer = SigningKey::<sha1::Sha1>::new(self.0.clone());
        base64::engine::general_purpose::STANDARD.encode(signer.sign(text.as_bytes()).to_bytes())
    }
}

/// RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~`, in upper-case hex.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The signature base string: `METHOD&pct(base URI)&pct(sorted params)`, where the params are
/// the URL's query pairs and `oauth` (the `oauth_*` parameters but the signature).
pub fn base_string(method: &str, url: &url::Url, oauth: &[(&str, String)]) -> String {
    let mut base_uri = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default().to_ascii_lowercase());
    if let Some(port) = url.port() {
        base_uri.push_str(&format!(":{port}"));
    }
    base_uri.push_str(url.path());
    let mut params: Vec<(String, String)> =
        url.query_pairs().map(|(k, v)| (percent_encode(&k), percent_encode(&v))).collect();
    params.extend(oauth.iter().map(|(k, v)| (percent_encode(k), percent_encode(v))));
    params.sort();
    let joined: Vec<String> = params.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{}&{}&{}", method.to_ascii_uppercase(), percent_encode(&base_uri), percent_encode(&joined.join("&")))
}

/// Who signs: the consumer key of the application link, and the access or temporary token
/// when there is one (none for the request-token call).
pub struct Credentials<'a> {
    pub key: &'a RsaKey,
    pub consumer_key: &'a str,
    pub token: Option<&'a str>,
}

/// The `Authorization` header for `method url`, with `extra` OAuth parameters
/// (`oauth_callback`, `oauth_verifier`), a fresh nonce and the current time.
pub fn header(
    credentials: &Credentials,
    method: &str,
    url: &url::Url,
    extra: &[(&str, String)],
) -> Result<String, String> {
    let nonce = crate::random::url_safe_token(16)?;
    let timestamp = (crate::utc::now_ms() / 1000).to_string();
    Ok(header_at(credentials, method, url, extra, &nonce, &timestamp))
}

/// [`header`] with a given nonce and timestamp (fixed in tests).
fn header_at(
    credentials: &Credentials,
    method: &str,
    url: &url::Url,
    extra: &[(&str, String)],
    nonce: &str,
    timestamp: &str,
) -> String {
    let mut oauth: Vec<(&str, String)> = vec![
        ("oauth_consumer_key", credentials.consumer_key.to_string()),
        ("oauth_nonce", nonce.to_string()),
        ("oauth_signature_method", "RSA-SHA1".to_string()),
        ("oauth_timestamp", timestamp.to_string()),
        ("oauth_version", "1.0".to_string()),
    ];
    if let Some(token) = credentials.token {
        oauth.push(("oauth_token", token.to_string()));
    }
    oauth.extend(extra.iter().cloned());
    let signature = credentials.key.sign(&base_string(method, url, &oauth));
    oauth.push(("oauth_signature", signature));
    oauth.sort();
    let parts: Vec<String> = oauth.iter().map(|(k, v)| format!("{k}=\"{}\"", percent_encode(v))).collect();
    format!("OAuth {}", parts.join(", "))
}

/// The fields of a form-encoded answer (`oauth_token=…&oauth_token_secret=…`).
pub fn form_fields(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.trim().as_bytes()).into_owned().collect()
}

/// A token and its secret, as Jira's token endpoints answer them.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub token: String,
    pub secret: String,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenPair(***)")
    }
}

/// jirabridge as a consumer of one Jira: its key and the application link's consumer key.
pub struct Consumer {
    pub key: std::sync::Arc<RsaKey>,
    pub consumer_key: String,
}

impl Consumer {
    fn auth(&self, token: Option<&str>, extra: Vec<(&'static str, String)>) -> JiraAuth {
        JiraAuth::OAuth1 {
            key: self.key.clone(),
            consumer_key: self.consumer_key.clone(),
            token: token.map(str::to_string),
            extra,
        }
    }

    /// The credentials of an access token.
    pub fn access(&self, token: &str) -> JiraAuth {
        self.auth(Some(token), Vec::new())
    }

    /// Temporary credentials: `POST <jira>/plugins/servlet/oauth/request-token` with
    /// `oauth_callback`; Jira must confirm the callback.
    pub async fn request_token(&self, client: &JiraClient, jira: &str, callback: &str) -> Result<TokenPair, JiraError> {
        let url = format!("{}/plugins/servlet/oauth/request-token", jira.trim_end_matches('/'));
        let answer = client.post_for_text(&url, &self.auth(None, vec![("oauth_callback", callback.into())])).await?;
        let fields = form_fields(&answer);
        let confirmed = fields.iter().any(|(k, v)| k == "oauth_callback_confirmed" && v == "true");
        if !confirmed {
            return Err(JiraError::Invalid("Jira did not confirm the OAuth callback".into()));
        }
        token_pair(&fields)
    }

    /// Where the user authorizes the temporary token.
    pub fn authorize_url(jira: &str, temporary: &str) -> String {
        format!(
            "{}/plugins/servlet/oauth/authorize?oauth_token={}",
            jira.trim_end_matches('/'),
            percent_encode(temporary)
        )
    }

    /// The access token: `POST <jira>/plugins/servlet/oauth/access-token` with the temporary
    /// token and the verifier the callback brought.
    pub async fn access_token(
        &self,
        client: &JiraClient,
        jira: &str,
        temporary: &str,
        verifier: &str,
    ) -> Result<TokenPair, JiraError> {
        let url = format!("{}/plugins/servlet/oauth/access-token", jira.trim_end_matches('/'));
        let auth = self.auth(Some(temporary), vec![("oauth_verifier", verifier.into())]);
        token_pair(&form_fields(&client.post_for_text(&url, &auth).await?))
    }
}

fn token_pair(fields: &[(String, String)]) -> Result<TokenPair, JiraError> {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    match (field("oauth_token"), field("oauth_token_secret")) {
        (Some(token), secret) => Ok(TokenPair { token, secret: secret.unwrap_or_default() }),
        (None, _) => Err(JiraError::Invalid("Jira's answer has no oauth_token".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::VerifyingKey;
    use rsa::signature::Verifier;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(percent_encode("a b+c/d=é"), "a%20b%2Bc%2Fd%3D%C3%A9");
    }

    #[test]
    fn the_base_string_of_a_fixed_request() {
        let url =
            url::Url::parse("HTTPS://Jira.Example.com:8443/rest/api/2/search?jql=project%20%3D%20EXT&b=2").unwrap();
        let oauth = [("oauth_consumer_key", "jirabridge_x".to_string()), ("oauth_nonce", "n1".to_string())];
        assert_eq!(
            base_string("get", &url, &oauth),
            "GET&https%3A%2F%2Fjira.example.com%3A8443%2Frest%2Fapi%2F2%2Fsearch&\
             b%3D2%26jql%3Dproject%2520%253D%2520EXT%26oauth_consumer_key%3Djirabridge_x%26oauth_nonce%3Dn1"
        );
        let default_port = url::Url::parse("https://jira.example.com:443/plugins/servlet/oauth/request-token").unwrap();
        assert!(base_string("POST", &default_port, &[]).starts_with("POST&https%3A%2F%2Fjira.example.com%2Fplugins"));
    }

    #[test]
    fn a_header_carries_every_parameter_and_a_signature_the_public_key_verifies() {
        let key = RsaKey::generate().unwrap();
        let credentials = Credentials { key: &key, consumer_key: "jirabridge_x", token: Some("tok en") };
        let url = url::Url::parse("https://jira.example.com/rest/api/2/myself").unwrap();
        let header = header_at(&credentials, "GET", &url, &[], "abc", "1700000000");
        assert!(
            header.starts_with("OAuth oauth_consumer_key=\"jirabridge_x\", oauth_nonce=\"abc\", oauth_signature=\"")
        );
        assert!(header.contains("oauth_signature_method=\"RSA-SHA1\""));
        assert!(header.ends_with("oauth_timestamp=\"1700000000\", oauth_token=\"tok%20en\", oauth_version=\"1.0\""));
        let signature = header.split("oauth_signature=\"").nth(1).unwrap().split('"').next().unwrap();
        let signature = url::form_urlencoded::parse(format!("s={signature}").as_bytes()).next().unwrap().1.into_owned();
        let bytes = base64::engine::general_purpose::STANDARD.decode(signature.as_bytes()).unwrap();
        let oauth = [
            ("oauth_consumer_key", "jirabridge_x".to_string()),
            ("oauth_nonce", "abc".to_string()),
            ("oauth_signature_method", "RSA-SHA1".to_string()),
            ("oauth_timestamp", "1700000000".to_string()),
            ("oauth_token", "tok en".to_string()),
            ("oauth_version", "1.0".to_string()),
        ];
        let verifier = VerifyingKey::<sha1::Sha1>::new(key.0.to_public_key());
        let signed = rsa::pkcs1v15::Signature::try_from(bytes.as_slice()).unwrap();
        verifier.verify(base_string("GET", &url, &oauth).as_bytes(), &signed).unwrap();
        let pem = key.to_pem().unwrap();
        assert_eq!(RsaKey::from_pem(&pem).unwrap().public_pem().unwrap(), key.public_pem().unwrap());
        assert!(key.public_pem().unwrap().starts_with("-----BEGIN PUBLIC KEY-----"));
    }
}
