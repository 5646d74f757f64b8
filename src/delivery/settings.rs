//! The delivery settings in force, taken from the live configuration at each use.

use std::time::Duration;

use crate::config::Config;
use crate::events::render::RenderOptions;

/// Retry policy and display settings, from `mattermost.*` settings.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    pub retry_initial: Duration,
    pub retry_max: Duration,
    pub max_age: Duration,
    /// Least wait before searching for a post whose request got no answer.
    pub recheck_after: Duration,
    /// Display settings applied when a post is rendered.
    pub render: RenderOptions,
    /// `mattermost.display_subscription_name`: subscription posts name their subscription.
    pub display_subscription_name: bool,
}

impl DeliverySettings {
    pub fn from_config(config: &Config) -> DeliverySettings {
        let mattermost = &config.mattermost;
        DeliverySettings {
            retry_initial: Duration::from_millis(mattermost.retry_initial_ms),
            retry_max: Duration::from_secs(mattermost.retry_max_secs),
            max_age: Duration::from_secs(mattermost.delivery_max_age_hours * 3600),
            recheck_after: Duration::from_secs(mattermost.request_timeout_secs * 2),
            render: RenderOptions {
                hide_description_comment: mattermost.hide_description_comment,
                subscription_name: None,
            },
            display_subscription_name: mattermost.display_subscription_name,
        }
    }
}
