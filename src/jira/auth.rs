//! Credentials for calls to Jira: the admin's API token (`jira.admin_api_token`, with
//! `jira.admin_email` on Cloud), and users' own tokens and OAuth grants (`connections`
//! builds them).

use std::sync::Arc;

use base64::Engine;

use super::client::JiraError;
use super::oauth1::{self, RsaKey};
use crate::config::Config;

/// How jirabridge signs in to Jira.
#[derive(Clone)]
pub enum JiraAuth {
    /// Cloud: `Basic base64(email:api token)`.
    Basic(String),
    /// A Data Center personal access token, or an OAuth 2.0 access token (Cloud).
    Bearer(String),
    /// OAuth 1.0a (Server/DC): each request is signed with jirabridge's key, with the access
    /// token (the temporary one, or none, while connecting) and `extra` OAuth parameters
    /// (`oauth_callback`, `oauth_verifier`).
    OAuth1 { key: Arc<RsaKey>, consumer_key: String, token: Option<String>, extra: Vec<(&'static str, String)> },
}

impl JiraAuth {
    /// The admin credentials of the configuration, if any (SPEC §2.2 `jira.admin_*`).
    pub fn admin(config: &Config) -> Option<JiraAuth> {
        let token = config.jira.admin_api_token.expose();
        if token.is_empty() || config.jira.push_only {
            return None;
        }
        let email = config.jira.admin_email.trim();
        Some(if email.is_empty() {
            JiraAuth::Bearer(token.to_string())
        } else {
            JiraAuth::Basic(base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}")))
        })
    }

    /// A Cloud API token with its account's email.
    pub fn api_token(email: &str, token: &str) -> JiraAuth {
        JiraAuth::Basic(base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}")))
    }

    /// The `Authorization` header for a request of `method url` (only OAuth 1.0a's depends
    /// on them).
    pub(super) fn header(&self, method: &str, url: &url::Url) -> Result<String, JiraError> {
        match self {
            JiraAuth::Basic(encoded) => Ok(format!("Basic {encoded}")),
            JiraAuth::Bearer(token) => Ok(format!("Bearer {token}")),
            JiraAuth::OAuth1 { key, consumer_key, token, extra } => {
                let credentials = oauth1::Credentials { key, consumer_key, token: token.as_deref() };
                oauth1::header(&credentials, method, url, extra).map_err(JiraError::Refused)
            }
        }
    }
}
