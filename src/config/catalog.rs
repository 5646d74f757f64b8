//! The catalogue of settings: for every key, whether it can change while jirabridge runs
//! (R) or only at start-up (S), whether it is a secret, the Mattermost plugin setting it
//! replaces, and one line of help. The console, the admin API and the loader all read
//! this one list; a test keeps it equal to the keys of `Config`.

/// When a change to a key takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apply {
    /// R: editable in the console and the API, applied at once.
    Runtime,
    /// S: read at start-up; edit the config file and restart.
    Startup,
}

/// What the catalogue says about one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    pub key: &'static str,
    pub apply: Apply,
    pub secret: bool,
    /// The Mattermost Jira plugin's setting for the same thing.
    pub plugin_name: Option<&'static str>,
    pub help: &'static str,
    /// The feature that will read this key, when this version does not have it yet: the
    /// key is accepted (configurations written for the plugin keep loading) and kept, and
    /// start-up, `check-config` and the console say that it has no effect.
    pub waits_for: Option<&'static str>,
}

impl KeyInfo {
    const fn secret(self) -> Self {
        Self { secret: true, ..self }
    }

    const fn plugin(self, name: &'static str) -> Self {
        Self { plugin_name: Some(name), ..self }
    }

    const fn waits_for(self, feature: &'static str) -> Self {
        Self { waits_for: Some(feature), ..self }
    }
}

const fn r(key: &'static str, help: &'static str) -> KeyInfo {
    KeyInfo { key, apply: Apply::Runtime, secret: false, plugin_name: None, help, waits_for: None }
}

const fn s(key: &'static str, help: &'static str) -> KeyInfo {
    KeyInfo { key, apply: Apply::Startup, ..r(key, help) }
}

/// Every key, in config-file order.
pub const CATALOG: &[KeyInfo] = &[
    s("server.listen", "IP address and port the HTTP server listens on."),
    s("server.public_url", "URL by which Jira, browsers and Mattermost reach jirabridge."),
    s("server.tls_cert_file", "PEM certificate chain; with a key file, jirabridge serves HTTPS itself."),
    s("server.tls_key_file", "PEM private key of the TLS certificate."),
    s("server.trusted_proxies", "CIDRs of reverse proxies whose X-Forwarded-For and -Proto are believed."),
    s("server.workers", "HTTP worker threads; 0 starts one per CPU."),
    s("server.shutdown_grace_secs", "Seconds to finish requests and deliveries after SIGTERM."),
    s("server.body_read_timeout_secs", "Seconds a client has to send a whole request body (then 408)."),
    s("server.metrics_token", "Bearer token that /metrics requires; empty leaves it open.").secret(),
    s("store.path", "Data directory holding the database and master.key."),
    r("store.event_retention_days", "Days to keep events and finished deliveries."),
    s("store.flush_interval_ms", "Group-commit window for writes to disk, in milliseconds."),
    s("store.cache_capacity_mb", "Database page cache, in MiB."),
    r("mattermost.url", "Mattermost's SiteURL."),
    r("mattermost.bot_token", "Access token of the bot that posts.").secret(),
    r("mattermost.command_tokens", "Tokens of /jira slash commands created by hand.").secret(),
    r("mattermost.enable_autocomplete", "Offer autocomplete hints for /jira.").plugin("EnableAutocomplete"),
    r("mattermost.additional_help_text", "Extra text under the title of /jira help (as preformatted text).")
        .plugin("JiraAdminAdditionalHelpText"),
    r("mattermost.command_sync_budget_ms", "Milliseconds a slash command may take before answering."),
    r("mattermost.ephemeral_via_api", "When private replies use the ephemeral-post API: auto, always, never."),
    r("mattermost.notification_buttons", "Assign to me, Comment and Transition buttons on Jira posts and DMs."),
    r("mattermost.issue_previews", "Previews of Jira links posted in channels: off or links.")
        .waits_for("previews of Jira issue links"),
    r("mattermost.request_timeout_secs", "Seconds to wait for Mattermost to answer."),
    r("mattermost.channel_cache_secs", "Seconds a team/channel name lookup is remembered."),
    r("mattermost.delivery_max_age_hours", "Hours a failing post is retried before it is given up."),
    r("mattermost.retry_initial_ms", "First retry delay in milliseconds; it doubles on each failure."),
    r("mattermost.retry_max_secs", "Longest retry delay in seconds."),
    r("mattermost.hide_description_comment", "Leave descriptions and comment texts out of channel posts.")
        .plugin("HideDecriptionComment"),
    r("mattermost.display_subscription_name", "Name the matching subscription in each post.")
        .plugin("DisplaySubscriptionNameInNotifications"),
    r("mattermost.threaded_comment_days", "Days comments reply in the thread of an issue's first post; 0: never.")
        .plugin("ThreadedJiraCommentSubscriptionDuration"),
    r("webhook.secret", "Secret that webhook URLs carry; regenerate it under Secrets.").secret().plugin("Secret"),
    r("webhook.secret_grace_hours", "Hours the previous webhook secret keeps working after regeneration."),
    r("webhook.require_signature", "Refuse webhooks without a valid X-Hub-Signature."),
    r("webhook.max_body_bytes", "Largest webhook body accepted, in bytes."),
    r("webhook.dedup_window_secs", "Seconds during which a repeated webhook is recognised and dropped."),
    s("jira.push_only", "Never contact Jira: webhooks in, posts out."),
    r("jira.enable_issue_ui", "Allow creating and attaching Jira issues from Mattermost.").plugin("EnableJiraUI"),
    r("jira.admin_api_token", "Jira API token used when no connected user can act.").secret().plugin("AdminAPIToken"),
    r("jira.admin_email", "Jira Cloud account of the admin API token.").plugin("AdminEmail"),
    r("jira.team_ids", "Jira teams offered in forms: [Team](uuid),[Other](uuid).").plugin("TeamIDs"),
    r("jira.max_attachment_size", "Largest file attached to Jira issues, e.g. 100MiB.").plugin("MaxAttachmentSize"),
    r("jira.request_timeout_secs", "Seconds to wait for Jira to answer."),
    s("jira.allow_loopback", "Allow calling Jira at loopback or link-local addresses (Jira on this host)."),
    s("jira.atlassian_auth_url", "OAuth 2.0 authorize and token host for Jira Cloud."),
    s("jira.atlassian_api_url", "Atlassian API gateway for Jira Cloud."),
    r("jira.user_auth_methods", "How users connect their Jira account: oauth, pat, api_token."),
    s("security.encryption_key", "32-byte key for stored secrets; empty uses master.key.")
        .secret()
        .plugin("EncryptionKey"),
    r("security.subscription_editors", "Lowest role allowed to edit subscriptions from chat.")
        .plugin("RolesAllowedToEditJiraSubscriptions"),
    r("security.subscription_editor_jira_groups", "Jira groups allowed to edit subscriptions from chat; empty: any.")
        .plugin("GroupsAllowedToEditJiraSubscriptions"),
    r("security.security_level_empty_for_subscriptions", "Issues with a security level reach only rules naming it.")
        .plugin("SecurityLevelEmptyForJiraSubscriptions"),
    r("security.restricted_comments_to_channels", "Post group- or role-restricted comments to channels anyway."),
    r("admin.api_token", "Bearer token of the admin API; regenerate it under Secrets.").secret(),
    r("admin.session_ttl_hours", "Hours an idle console session stays signed in."),
    r("admin.login_max_attempts", "Failed console logins allowed per 15 minutes per address and user."),
    r("admin.allow_from", "CIDRs allowed to reach /admin and /api/v1; empty: any."),
    s("admin.setup_link_ttl_minutes", "Minutes the one-time first-admin link stays valid."),
    r("log.level", "Log level, or a filter such as info,jirabridge=debug."),
    s("log.format", "Log line format: text or json."),
    r("log.webhook_bodies", "Log raw webhook bodies at debug level (target webhook_body), the URL secret redacted.")
        .plugin("EnableWebhookEventLogging"),
];

/// The catalogue entry of `key`.
pub fn info(key: &str) -> Option<&'static KeyInfo> {
    CATALOG.iter().find(|k| k.key == key)
}

/// Secret keys: never printed, stored encrypted, read from `*_file` when a string.
pub fn is_secret(key: &str) -> bool {
    info(key).is_some_and(|k| k.secret)
}

/// `unknown setting "x"; did you mean "y"?` for a key that is not in the catalogue.
pub fn unknown_key_message(key: &str) -> String {
    let hint = super::suggest::nearest(key, CATALOG.iter().map(|k| k.key));
    format!("unknown setting {key:?}{}", super::suggest::did_you_mean(hint))
}
