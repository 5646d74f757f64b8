//! Configuration: the typed settings (this file, one rustdoc line per key), where they come
//! from (`load`, `file`, `env`, `layer`), how they are checked (`value`, `validate`) and the
//! hints for settings that are missing (`hints`). Defaults here are the embedded defaults;
//! `config.example.toml` at the repository root repeats them and a test keeps both equal.

mod env;
mod error;
mod file;
mod hints;
mod layer;
mod load;
mod schema;
mod secret;
mod suggest;
mod validate;
mod value;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use error::ConfigErrors;
pub use load::{LoadedConfig, Source, DEFAULT_CONFIG_PATH};
pub use secret::Secret;

/// All settings, one field per `[section]` of the config file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[server]`: the HTTP listener.
    pub server: ServerConfig,
    /// `[store]`: the embedded database.
    pub store: StoreConfig,
    /// `[mattermost]`: the Mattermost server and how posts are delivered to it.
    pub mattermost: MattermostConfig,
    /// `[webhook]`: the endpoint Jira sends its webhooks to.
    pub webhook: WebhookConfig,
    /// `[jira]`: how jirabridge talks to Jira.
    pub jira: JiraConfig,
    /// `[security]`: what subscriptions may show.
    pub security: SecurityConfig,
    /// `[admin]`: the admin JSON API.
    pub admin: AdminConfig,
    /// `[log]`: what is logged and in which format.
    pub log: LogConfig,
}

/// `[server]` settings. All apply at start-up only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// IP address and port to listen on, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// Base URL by which Jira, browsers and Mattermost reach jirabridge; empty means
    /// `http://<listen>`. Stored without a trailing slash.
    pub public_url: String,
    /// HTTP worker threads; 0 means one per CPU.
    pub workers: usize,
    /// Seconds to finish requests and in-flight deliveries after SIGTERM.
    pub shutdown_grace_secs: u64,
    /// When set, `/metrics` requires it as a Bearer token.
    pub metrics_token: Secret,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            workers: 0,
            shutdown_grace_secs: 10,
            metrics_token: Secret::default(),
        }
    }
}

/// `[store]` settings for the embedded database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// Data directory: the database lives in `<path>/db`.
    pub path: PathBuf,
    /// Days to keep events and finished or dead deliveries.
    pub event_retention_days: u32,
    /// Group-commit window in milliseconds; a webhook is acknowledged after its flush.
    pub flush_interval_ms: u64,
    /// Database page cache size in MiB.
    pub cache_capacity_mb: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: PathBuf::from("./jirabridge-data"),
            event_retention_days: 30,
            flush_interval_ms: 2,
            cache_capacity_mb: 64,
        }
    }
}

/// `[mattermost]` settings: the server, the bot, and delivery of posts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MattermostConfig {
    /// Mattermost's SiteURL, without a trailing slash.
    pub url: String,
    /// Access token of the bot account that posts notifications.
    pub bot_token: Secret,
    /// Seconds before a request to Mattermost is abandoned.
    pub request_timeout_secs: u64,
    /// Seconds a team/channel name lookup stays cached.
    pub channel_cache_secs: u64,
    /// Hours a failing delivery is retried before it is marked dead.
    pub delivery_max_age_hours: u64,
    /// First retry delay in milliseconds; doubles on each failure.
    pub retry_initial_ms: u64,
    /// Upper bound of the retry delay in seconds.
    pub retry_max_secs: u64,
    /// Leave issue descriptions and comment bodies out of channel posts.
    pub hide_description_comment: bool,
    /// Name the matching subscription in each post.
    pub display_subscription_name: bool,
    /// Days comment posts thread under an issue's first post; 0 turns threading off.
    pub threaded_comment_days: u32,
}

impl Default for MattermostConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            bot_token: Secret::default(),
            request_timeout_secs: 10,
            channel_cache_secs: 300,
            delivery_max_age_hours: 24,
            retry_initial_ms: 1000,
            retry_max_secs: 300,
            hide_description_comment: false,
            display_subscription_name: false,
            threaded_comment_days: 30,
        }
    }
}

/// `[webhook]` settings for the endpoint Jira calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Shared secret in webhook URLs (and for signatures); empty means generated at first start.
    pub secret: Secret,
    /// Hours the previous secret stays valid after the secret is regenerated.
    pub secret_grace_hours: u64,
    /// Reject webhooks without a valid signature.
    pub require_signature: bool,
    /// Largest accepted webhook body in bytes.
    pub max_body_bytes: u64,
    /// Seconds within which a repeated delivery of the same webhook is dropped.
    pub dedup_window_secs: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            secret: Secret::default(),
            secret_grace_hours: 24,
            require_signature: false,
            max_body_bytes: 4 * 1024 * 1024,
            dedup_window_secs: 600,
        }
    }
}

/// `[jira]` settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JiraConfig {
    /// Never open a connection to Jira: webhooks in, posts out, nothing else.
    pub push_only: bool,
}

/// `[security]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// A subscription without a security-level filter never receives issues that have a
    /// security level (and "exclude" on security levels acts as "empty").
    pub security_level_empty_for_subscriptions: bool,
    /// Post comments restricted to a group or role to channels even when the subscription
    /// does not name that group or role.
    pub restricted_comments_to_channels: bool,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self { security_level_empty_for_subscriptions: true, restricted_comments_to_channels: false }
    }
}

/// `[admin]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Bearer token for `/api/v1`. Empty: one is generated at first start and shown once.
    pub api_token: Secret,
    /// Hours a console session lasts without use (each request extends it).
    pub session_ttl_hours: u64,
    /// Failed console sign-ins allowed per 15 minutes for one (address, user name).
    pub login_max_attempts: u32,
    /// Minutes the one-time first-admin setup link printed at start stays valid.
    pub setup_link_ttl_minutes: u64,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self { api_token: Secret::default(), session_ttl_hours: 12, login_max_attempts: 5, setup_link_ttl_minutes: 60 }
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
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info".into(), format: LogFormat::Text }
    }
}

/// Line format of the log output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(r#"expected "text" or "json""#.into()),
        }
    }
}

impl TryFrom<String> for LogFormat {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
}
