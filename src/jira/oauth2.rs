//! OAuth 2.0 (3LO) with Atlassian for Jira Cloud (SPEC §8.1, §12.1): the authorize URL with
//! PKCE (S256), the code exchange, refreshes (refresh tokens rotate: the old one dies), and
//! the accessible resources that give an instance its cloud id. Every call goes through the
//! one `JiraClient`, so push-only mode and the address rules hold here too.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};

/// The scopes asked for (SPEC §8.1).
pub const SCOPES: &str = "read:jira-user read:jira-work write:jira-work read:board-scope:jira-software \
read:project:jira read:sprint:jira-software offline_access";

/// A PKCE pair: the verifier stays with jirabridge, the challenge goes to Atlassian.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair (a new verifier for every authorization).
    pub fn new() -> Result<Pkce, String> {
        let verifier = crate::random::url_safe_token(32)?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Ok(Pkce { verifier, challenge })
    }
}

/// What the authorize URL carries.
pub struct Authorize<'a> {
    pub auth_base: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub challenge: &'a str,
}

/// `<auth_base>/authorize?…` with every parameter of SPEC §8.1.
pub fn authorize_url(a: &Authorize) -> Result<String, String> {
    let mut url = url::Url::parse(&format!("{}/authorize", a.auth_base.trim_end_matches('/')))
        .map_err(|e| format!("jira.atlassian_auth_url is not a URL: {e}"))?;
    url.query_pairs_mut()
        .append_pair("audience", "api.atlassian.com")
        .append_pair("client_id", a.client_id)
        .append_pair("scope", SCOPES)
        .append_pair("redirect_uri", a.redirect_uri)
        .append_pair("state", a.state)
        .append_pair("response_type", "code")
        .append_pair("prompt", "consent")
        .append_pair("code_challenge", a.challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(url.into())
}

/// An access token, the refresh token that replaces the one used, and when the access token
/// expires. `Debug` never shows the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_at_ms: u64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens(***, expires_at_ms: {})", self.expires_at_ms)
    }
}

/// The OAuth app of one instance, as the admin registered it with Atlassian.
pub struct App<'a> {
    pub auth_base: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: String,
    #[serde(default)]
    expires_in: u64,
}

impl App<'_> {
    /// The code the callback brought, exchanged for tokens.
    pub async fn exchange_code(
        &self,
        client: &JiraClient,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<Tokens, JiraError> {
        let body = json!({"grant_type": "authorization_code", "client_id": self.client_id,
            "client_secret": self.client_secret, "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier});
        self.token_call(client, &body).await
    }

    /// New tokens for `refresh_token`; the answer's refresh token replaces it (it dies now).
    pub async fn refresh(&self, client: &JiraClient, refresh_token: &str) -> Result<Tokens, JiraError> {
        let body = json!({"grant_type": "refresh_token", "client_id": self.client_id,
            "client_secret": self.client_secret, "refresh_token": refresh_token});
        let mut tokens = self.token_call(client, &body).await?;
        if tokens.refresh_token.is_empty() {
            tokens.refresh_token = refresh_token.to_string();
        }
        Ok(tokens)
    }

    async fn token_call(&self, client: &JiraClient, body: &serde_json::Value) -> Result<Tokens, JiraError> {
        let url = format!("{}/oauth/token", self.auth_base.trim_end_matches('/'));
        let answer = client.call_json(Method::POST, &url, &[], Some(body), None).await?;
        let answer: TokenAnswer = serde_json::from_value(answer.unwrap_or_default())
            .map_err(|e| JiraError::Invalid(format!("unexpected token answer: {e}")))?;
        let lifetime_ms = answer.expires_in.max(1).saturating_mul(1000);
        Ok(Tokens {
            access_token: answer.access_token,
            refresh_token: answer.refresh_token,
            expires_at_ms: crate::utc::now_ms().saturating_add(lifetime_ms),
        })
    }
}

/// Whether the token endpoint refused the grant itself (revoked, expired, reused): the
/// connection is dead, unlike a Jira that is only unreachable.
pub fn grant_rejected(error: &JiraError) -> bool {
    match error {
        JiraError::Unauthorized | JiraError::Forbidden => true,
        JiraError::BadRequest(why) => why.starts_with("invalid_grant") || why.starts_with("unauthorized_client"),
        _ => false,
    }
}

/// A site the token may act on.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    pub id: String,
    #[serde(default)]
    pub url: String,
}

/// `GET <api_base>/oauth/token/accessible-resources`.
pub async fn accessible_resources(
    client: &JiraClient,
    api_base: &str,
    access_token: &str,
) -> Result<Vec<Resource>, JiraError> {
    let url = format!("{}/oauth/token/accessible-resources", api_base.trim_end_matches('/'));
    let answer = client.get_json(&url, &[], Some(&JiraAuth::Bearer(access_token.to_string()))).await?;
    serde_json::from_value(answer).map_err(|e| JiraError::Invalid(format!("unexpected resources: {e}")))
}

/// The REST base of a Cloud site reached through the gateway with an OAuth 2.0 token.
pub fn gateway_base(api_base: &str, cloud_id: &str) -> String {
    format!("{}/ex/jira/{cloud_id}", api_base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_carries_every_parameter() {
        let pkce = Pkce::new().unwrap();
        let url = authorize_url(&Authorize {
            auth_base: "https://auth.atlassian.com/",
            client_id: "cid",
            redirect_uri: "https://bridge.example.com/instance/abc=/oauth2/complete.html",
            state: "s",
            challenge: &pkce.challenge,
        })
        .unwrap();
        let parsed = url::Url::parse(&url).unwrap();
        assert_eq!(parsed.path(), "/authorize");
        let pairs: std::collections::HashMap<String, String> = parsed.query_pairs().into_owned().collect();
        assert_eq!(pairs["audience"], "api.atlassian.com");
        assert_eq!(pairs["scope"], SCOPES);
        assert!(pairs["scope"].ends_with("offline_access"));
        assert_eq!(pairs["redirect_uri"], "https://bridge.example.com/instance/abc=/oauth2/complete.html");
        assert_eq!((pairs["response_type"].as_str(), pairs["prompt"].as_str()), ("code", "consent"));
        assert_eq!(pairs["code_challenge_method"], "S256");
        assert_eq!(pairs["code_challenge"], URL_SAFE_NO_PAD.encode(Sha256::digest(pkce.verifier.as_bytes())));
        assert_ne!(Pkce::new().unwrap().verifier, pkce.verifier);
    }

    #[test]
    fn only_a_refused_grant_kills_a_connection() {
        assert!(grant_rejected(&JiraError::BadRequest("invalid_grant: Unknown or invalid refresh token.".into())));
        assert!(grant_rejected(&JiraError::Forbidden));
        assert!(!grant_rejected(&JiraError::Unreachable("timeout".into())));
        assert!(!grant_rejected(&JiraError::RateLimited { retry_after: None }));
    }
}
