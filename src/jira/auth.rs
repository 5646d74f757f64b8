//! Credentials for calls to Jira: the admin's API token (`jira.admin_api_token`, with
//! `jira.admin_email` on Cloud), and users' own tokens (`connections` builds them).

use base64::Engine;

use crate::config::Config;

/// How jirabridge signs in to Jira.
#[derive(Clone)]
pub enum JiraAuth {
    /// Cloud: `Basic base64(email:api token)`.
    Basic(String),
    /// Data Center personal access token.
    Bearer(String),
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

    pub(super) fn header(&self) -> String {
        match self {
            JiraAuth::Basic(encoded) => format!("Basic {encoded}"),
            JiraAuth::Bearer(token) => format!("Bearer {token}"),
        }
    }
}
