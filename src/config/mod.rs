//! Configuration: the typed settings (this file, one rustdoc line per key), where they come
//! from (`load`, `file`, `env`, `layer`), how they are checked (`value`, `validate`) and the
//! hints for settings that are missing (`hints`). Defaults here are the embedded defaults;
//! `config.example.toml` at the repository root repeats them and a test keeps both equal.

pub mod catalog;
mod choices;
mod env;
mod error;
mod file;
mod hints;
mod layer;
mod load;
mod overlay;
mod reload;
mod schema;
mod secret;
mod sections;
mod suggest;
mod teams;
mod validate;
mod value;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use choices::{EphemeralViaApi, IssuePreviews, LogFormat, SubscriptionEditors, UserAuthMethod};
pub use error::ConfigErrors;
pub use load::{LoadedConfig, Source, DEFAULT_CONFIG_PATH};
pub use overlay::{json_to_value, value_to_json, Overlaid, Problem};
pub use reload::Reloaded;
pub use schema::{default_value, keys};
pub use secret::Secret;
pub use sections::{AdminConfig, JiraConfig, LogConfig, SecurityConfig};
pub use teams::Team;
pub use validate::parse_byte_size;

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
    /// PEM certificate chain; with `tls_key_file`, jirabridge serves HTTPS itself.
    pub tls_cert_file: String,
    /// PEM private key for `tls_cert_file`.
    pub tls_key_file: String,
    /// CIDRs of reverse proxies whose `X-Forwarded-For`/`-Proto` headers are believed.
    pub trusted_proxies: Vec<String>,
    /// HTTP worker threads; 0 means one per CPU.
    pub workers: usize,
    /// Seconds to finish requests and in-flight deliveries after SIGTERM.
    pub shutdown_grace_secs: u64,
    /// Seconds a client has to send a whole request body; slower bodies get 408 and the
    /// connection is closed (a stranger cannot hold a connection and its buffer open).
    pub body_read_timeout_secs: u64,
    /// When set, `/metrics` requires it as a Bearer token.
    pub metrics_token: Secret,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
            trusted_proxies: Vec::new(),
            workers: 0,
            shutdown_grace_secs: 10,
            body_read_timeout_secs: 15,
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
    /// Tokens of `/jira` slash commands created by hand in Mattermost.
    pub command_tokens: Vec<Secret>,
    /// Offer autocomplete hints for `/jira`.
    pub enable_autocomplete: bool,
    /// Extra text appended to the `/jira help` answer.
    pub additional_help_text: String,
    /// Milliseconds a slash command may take before it answers and finishes in the background.
    pub command_sync_budget_ms: u64,
    /// When ephemeral messages go through `POST /posts/ephemeral`.
    pub ephemeral_via_api: EphemeralViaApi,
    /// Previews of Jira issue links posted in channels.
    pub issue_previews: IssuePreviews,
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
    /// Assign to me, Comment and Transition buttons on subscription posts and DMs.
    pub notification_buttons: bool,
    /// Days comment posts thread under an issue's first post; 0 turns threading off.
    pub threaded_comment_days: u32,
}

impl Default for MattermostConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            bot_token: Secret::default(),
            command_tokens: Vec::new(),
            enable_autocomplete: true,
            additional_help_text: String::new(),
            command_sync_budget_ms: 2500,
            ephemeral_via_api: EphemeralViaApi::Auto,
            issue_previews: IssuePreviews::Off,
            request_timeout_secs: 10,
            channel_cache_secs: 300,
            delivery_max_age_hours: 24,
            retry_initial_ms: 1000,
            retry_max_secs: 300,
            hide_description_comment: false,
            display_subscription_name: false,
            notification_buttons: true,
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
