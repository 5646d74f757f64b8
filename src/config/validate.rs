//! What values mean, once they have the right type: addresses parse, URLs are absolute
//! http(s), limits are sane. Also normalises (URLs lose their trailing slash). Each problem
//! names its key and gives the accepted form.

use std::net::{IpAddr, SocketAddr};

use base64::Engine;
use tracing_subscriber::EnvFilter;
use url::Url;

use super::overlay::Problem;
use super::{Config, Secret};

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

type Checked = Result<(), Problem>;

pub(super) fn check(config: &mut Config) -> Vec<Problem> {
    let results = [
        listen(&config.server.listen),
        base_url("server.public_url", &mut config.server.public_url),
        base_url("mattermost.url", &mut config.mattermost.url),
        base_url("jira.atlassian_auth_url", &mut config.jira.atlassian_auth_url),
        base_url("jira.atlassian_api_url", &mut config.jira.atlassian_api_url),
        tls_files(config),
        cidrs("server.trusted_proxies", &config.server.trusted_proxies),
        cidrs("admin.allow_from", &config.admin.allow_from),
        store_path(config),
        at_least("mattermost.retry_initial_ms", config.mattermost.retry_initial_ms, 1),
        at_least("webhook.max_body_bytes", config.webhook.max_body_bytes, 1024),
        at_least("server.body_read_timeout_secs", config.server.body_read_timeout_secs, 1),
        // Jira resends within minutes; a week of keys is already more than memory needs.
        at_most("webhook.dedup_window_secs", config.webhook.dedup_window_secs, 7 * 86_400),
        at_least("store.event_retention_days", u64::from(config.store.event_retention_days), 1),
        at_most("store.flush_interval_ms", config.store.flush_interval_ms, 1000),
        at_least("mattermost.request_timeout_secs", config.mattermost.request_timeout_secs, 1),
        at_least("mattermost.command_sync_budget_ms", config.mattermost.command_sync_budget_ms, 100),
        at_least("jira.request_timeout_secs", config.jira.request_timeout_secs, 1),
        at_least("admin.session_ttl_hours", config.admin.session_ttl_hours, 1),
        at_most("admin.session_ttl_hours", config.admin.session_ttl_hours, 8760),
        at_least("admin.login_max_attempts", u64::from(config.admin.login_max_attempts), 1),
        byte_size("jira.max_attachment_size", &config.jira.max_attachment_size),
        email("jira.admin_email", &config.jira.admin_email),
        at_least("admin.setup_link_ttl_minutes", config.admin.setup_link_ttl_minutes, 1),
        webhook_secret(&config.webhook.secret),
        encryption_key(&config.security.encryption_key),
        log_level(&config.log.level),
    ];
    results.into_iter().filter_map(Result::err).collect()
}

fn problem(key: &str, message: impl Into<String>) -> Checked {
    Err(Problem { key: key.to_owned(), message: message.into() })
}

fn listen(value: &str) -> Checked {
    match value.parse::<SocketAddr>() {
        Ok(_) => Ok(()),
        Err(_) => problem(
            "server.listen",
            format!("server.listen = {value:?}: expected host:port with an IP address, such as \"127.0.0.1:8080\" or \"[::]:8080\""),
        ),
    }
}

/// Empty, or an absolute http(s) URL that paths can be appended to.
fn base_url(key: &str, value: &mut String) -> Checked {
    if value.is_empty() {
        return Ok(());
    }
    let trimmed = value.trim_end_matches('/');
    let usable = Url::parse(trimmed).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.has_host() && url.query().is_none() && url.fragment().is_none()
    });
    if !usable {
        let message = format!(
            "{key} = {value:?}: expected an absolute http:// or https:// URL without query, such as \"https://example.com\""
        );
        return problem(key, message);
    }
    *value = trimmed.to_owned();
    Ok(())
}

fn tls_files(config: &Config) -> Checked {
    let (cert, key) = (&config.server.tls_cert_file, &config.server.tls_key_file);
    if cert.is_empty() != key.is_empty() {
        return problem(
            "server.tls_cert_file",
            "server.tls_cert_file and server.tls_key_file go together: set both for HTTPS, or neither",
        );
    }
    Ok(())
}

/// Each entry an IP address or `address/prefix`.
/// Every entry that is not an address range is named at once.
fn cidrs(key: &str, entries: &[String]) -> Checked {
    let bad: Vec<String> = entries.iter().filter(|entry| !is_cidr(entry)).map(|entry| format!("{entry:?}")).collect();
    match bad.as_slice() {
        [] => Ok(()),
        [one] => problem(
            key,
            format!("{key}: {one} is not an address range; expected CIDRs such as \"10.0.0.0/8\" or \"::1\""),
        ),
        many => problem(
            key,
            format!(
                "{key}: {} are not address ranges; expected CIDRs such as \"10.0.0.0/8\" or \"::1\"",
                many.join(", ")
            ),
        ),
    }
}

fn is_cidr(entry: &str) -> bool {
    let (address, prefix) = entry.split_once('/').map_or((entry, None), |(a, p)| (a, Some(p)));
    let Ok(ip) = address.trim().parse::<IpAddr>() else { return false };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.trim().parse::<u8>().is_ok_and(|bits| bits <= max))
}

fn store_path(config: &Config) -> Checked {
    if config.store.path.as_os_str().is_empty() {
        return problem("store.path", "store.path is empty: expected a directory such as \"/var/lib/jirabridge\"");
    }
    Ok(())
}

fn at_least(key: &str, value: u64, minimum: u64) -> Checked {
    if value < minimum {
        return problem(key, format!("{key} = {value}: expected a whole number of at least {minimum}"));
    }
    Ok(())
}

fn at_most(key: &str, value: u64, maximum: u64) -> Checked {
    if value > maximum {
        return problem(key, format!("{key} = {value}: expected a whole number of at most {maximum}"));
    }
    Ok(())
}

/// Bytes in a size as the plugin wrote `MaxAttachmentSize`: a number (`1024`, `1,234`,
/// `1.5`) and a unit of 1024s (`b`, `kb`/`kib`, `mb`/`mib`, `gb`/`gib`, `tb`/`tib`, any
/// case), so `20MB` is 20 × 2²⁰ bytes as it was in the plugin. More than zero.
pub fn parse_byte_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let exponent = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "kb" | "kib" => 1,
        "mb" | "mib" => 2,
        "gb" | "gib" => 3,
        "tb" | "tib" => 4,
        _ => return None,
    };
    let number: f64 = number.replace(',', "").parse().ok()?;
    let bytes = number * 1024f64.powi(exponent);
    // Beyond 2⁶³ the float no longer says which integer was meant.
    (1.0..9.2e18).contains(&bytes).then_some(bytes as u64)
}

fn byte_size(key: &str, value: &str) -> Checked {
    if parse_byte_size(value).is_none() {
        return problem(
            key,
            format!("{key} = {value:?}: expected a size of more than 0 such as \"100MB\", \"1.5GB\" or \"1048576\""),
        );
    }
    Ok(())
}

fn email(key: &str, value: &str) -> Checked {
    if !value.is_empty() && !value.contains('@') {
        return problem(key, format!("{key} = {value:?}: expected an e-mail address, or nothing"));
    }
    Ok(())
}

fn webhook_secret(secret: &Secret) -> Checked {
    if secret.is_set() && secret.expose().chars().count() < 8 {
        return problem(
            "webhook.secret",
            "webhook.secret is too short: use at least 8 characters, or leave it empty to have one generated",
        );
    }
    Ok(())
}

/// Empty, or 32 bytes written as base64 or hex.
fn encryption_key(key: &Secret) -> Checked {
    let text = key.expose().trim();
    let base64 = base64::engine::general_purpose::STANDARD.decode(text).ok();
    let is_32_bytes = [base64, hex::decode(text).ok()].into_iter().flatten().any(|bytes| bytes.len() == 32);
    if key.is_set() && !is_32_bytes {
        return problem(
            "security.encryption_key",
            "security.encryption_key must be 32 bytes written as base64 or hex (openssl rand -base64 32), or empty",
        );
    }
    Ok(())
}

/// A bare word must be a level: tracing would take it as a target name and log nothing
/// useful, which hides a typo such as "inof".
fn log_level(level: &str) -> Checked {
    let valid = if level.contains(['=', ',']) {
        EnvFilter::try_new(level).is_ok()
    } else {
        LEVELS.contains(&level.to_ascii_lowercase().as_str())
    };
    if valid {
        return Ok(());
    }
    problem(
        "log.level",
        format!(
            "log.level = {level:?}: expected one of {}, or a filter such as \"info,jirabridge=debug\"",
            LEVELS.join(", ")
        ),
    )
}
