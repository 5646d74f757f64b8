//! The `[jira]`, `[security]`, `[admin]` and `[log]` sections (one rustdoc line per key).
//! Several keys are accepted and shown before the features that use them exist; the
//! catalogue (`catalog.rs`) says which apply at once.

use serde::{Deserialize, Serialize};

use super::choices::{LogFormat, SubscriptionEditors, UserAuthMethod};
use super::Secret;

/// `[jira]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JiraConfig {
    /// Never open a connection to Jira: webhooks in, posts out, nothing else.
    pub push_only: bool,
    /// Offer creating and attaching Jira issues from Mattermost.
    pub enable_issue_ui: bool,
    /// Jira API token used when no connected user can act (Cloud with `admin_email`, else a DC PAT).
    pub admin_api_token: Secret,
    /// Account of `admin_api_token` on Jira Cloud.
    pub admin_email: String,
    /// Jira teams offered in forms: `[Team](uuid),[Other](uuid)`.
    pub team_ids: String,
    /// Largest file attached to Jira issues, e.g. `100MiB`.
    pub max_attachment_size: String,
    /// Seconds before a request to Jira is abandoned.
    pub request_timeout_secs: u64,
    /// Let jirabridge call Jira at loopback, unspecified or link-local addresses (a Jira on
    /// the same host; tests). Off, such instance URLs, names and redirects are refused.
    pub allow_loopback: bool,
    /// OAuth 2.0 authorize and token host for Jira Cloud.
    pub atlassian_auth_url: String,
    /// Atlassian API gateway for Jira Cloud.
    pub atlassian_api_url: String,
    /// How users may connect their Jira account.
    pub user_auth_methods: Vec<UserAuthMethod>,
}

impl Default for JiraConfig {
    fn default() -> Self {
        Self {
            push_only: false,
            enable_issue_ui: true,
            admin_api_token: Secret::default(),
            admin_email: String::new(),
            team_ids: String::new(),
            max_attachment_size: "100MiB".into(),
            request_timeout_secs: 10,
            allow_loopback: false,
            atlassian_auth_url: "https://auth.atlassian.com".into(),
            atlassian_api_url: "https://api.atlassian.com".into(),
            user_auth_methods: vec![UserAuthMethod::Oauth],
        }
    }
}

/// `[security]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// 32-byte key (base64 or hex) for stored secrets; empty means `<store.path>/master.key`.
    pub encryption_key: Secret,
    /// Lowest role allowed to edit subscriptions from chat.
    pub subscription_editors: SubscriptionEditors,
    /// Jira groups whose members may edit subscriptions from chat; empty means any.
    pub subscription_editor_jira_groups: Vec<String>,
    /// A subscription without a security-level filter never receives issues that have a
    /// security level (and "exclude" on security levels acts as "empty").
    pub security_level_empty_for_subscriptions: bool,
    /// Post comments restricted to a group or role to channels even when the subscription
    /// does not name that group or role.
    pub restricted_comments_to_channels: bool,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            encryption_key: Secret::default(),
            subscription_editors: SubscriptionEditors::SystemAdmin,
            subscription_editor_jira_groups: Vec::new(),
            security_level_empty_for_subscriptions: true,
            restricted_comments_to_channels: false,
        }
    }
}

/// `[admin]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Bearer token for `/api/v1`. Empty: one is generated at first start and shown once.
    pub api_token: Secret,
    /// Hours an idle console session stays signed in.
    pub session_ttl_hours: u64,
    /// Failed console logins allowed per 15 minutes per address and user name.
    pub login_max_attempts: u32,
    /// CIDRs allowed to reach `/admin` and `/api/v1`; empty means any.
    pub allow_from: Vec<String>,
    /// Minutes the one-time first-admin link stays valid.
    pub setup_link_ttl_minutes: u64,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            api_token: Secret::default(),
            session_ttl_hours: 12,
            login_max_attempts: 5,
            allow_from: Vec::new(),
            setup_link_ttl_minutes: 60,
        }
    }
}

/// `[log]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A level (`error` … `trace`) or a tracing filter such as `info,jirabridge=debug`.
    pub level: String,
    /// Line format of the log output.
    pub format: LogFormat,
    /// Log raw webhook bodies at debug level (with `secret` redacted).
    pub webhook_bodies: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info".into(), format: LogFormat::Text, webhook_bodies: false }
    }
}
