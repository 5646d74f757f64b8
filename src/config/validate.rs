//! What values mean, once they have the right type: addresses parse, URLs are absolute
//! http(s), limits are sane. Also normalises (URLs lose their trailing slash). Each error
//! gives the accepted form.

use std::net::SocketAddr;

use tracing_subscriber::EnvFilter;
use url::Url;

use super::{Config, Secret};

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

pub(super) fn check(config: &mut Config, errors: &mut Vec<String>) {
    let results = [
        listen(&config.server.listen),
        base_url("server.public_url", &mut config.server.public_url),
        base_url("mattermost.url", &mut config.mattermost.url),
        store_path(config),
        at_least("mattermost.retry_initial_ms", config.mattermost.retry_initial_ms, 1),
        at_least("webhook.max_body_bytes", config.webhook.max_body_bytes, 1024),
        at_least("store.event_retention_days", u64::from(config.store.event_retention_days), 1),
        at_most("store.flush_interval_ms", config.store.flush_interval_ms, 1000),
        at_least("mattermost.request_timeout_secs", config.mattermost.request_timeout_secs, 1),
        at_least("admin.session_ttl_hours", config.admin.session_ttl_hours, 1),
        at_least("admin.login_max_attempts", u64::from(config.admin.login_max_attempts), 1),
        at_least("admin.setup_link_ttl_minutes", config.admin.setup_link_ttl_minutes, 1),
        webhook_secret(&config.webhook.secret),
        log_level(&config.log.level),
    ];
    errors.extend(results.into_iter().filter_map(Result::err));
}

fn listen(value: &str) -> Result<(), String> {
    match value.parse::<SocketAddr>() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "server.listen = {value:?}: expected host:port with an IP address, such as \"127.0.0.1:8080\" or \"[::]:8080\""
        )),
    }
}

/// Empty, or an absolute http(s) URL that paths can be appended to.
fn base_url(key: &str, value: &mut String) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    let trimmed = value.trim_end_matches('/');
    let usable = Url::parse(trimmed).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.has_host() && url.query().is_none() && url.fragment().is_none()
    });
    if !usable {
        return Err(format!(
            "{key} = {value:?}: expected an absolute http:// or https:// URL without query, such as \"https://example.com\""
        ));
    }
    *value = trimmed.to_owned();
    Ok(())
}

fn store_path(config: &Config) -> Result<(), String> {
    if config.store.path.as_os_str().is_empty() {
        return Err("store.path is empty: expected a directory such as \"/var/lib/jirabridge\"".into());
    }
    Ok(())
}

fn at_least(key: &str, value: u64, minimum: u64) -> Result<(), String> {
    if value < minimum {
        return Err(format!("{key} = {value}: expected a whole number of at least {minimum}"));
    }
    Ok(())
}

fn at_most(key: &str, value: u64, maximum: u64) -> Result<(), String> {
    if value > maximum {
        return Err(format!("{key} = {value}: expected a whole number of at most {maximum}"));
    }
    Ok(())
}

fn webhook_secret(secret: &Secret) -> Result<(), String> {
    if secret.is_set() && secret.expose().chars().count() < 8 {
        return Err(
            "webhook.secret is too short: use at least 8 characters, or leave it empty to have one generated".into()
        );
    }
    Ok(())
}

/// A bare word must be a level: tracing would take it as a target name and log nothing
/// useful, which hides a typo such as "inof".
fn log_level(level: &str) -> Result<(), String> {
    let valid = if level.contains(['=', ',']) {
        EnvFilter::try_new(level).is_ok()
    } else {
        LEVELS.contains(&level.to_ascii_lowercase().as_str())
    };
    if valid {
        return Ok(());
    }
    Err(format!(
        "log.level = {level:?}: expected one of {}, or a filter such as \"info,jirabridge=debug\"",
        LEVELS.join(", ")
    ))
}
