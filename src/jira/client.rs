//! The one HTTP client for calls to Jira: one connection pool, with the rules every call
//! must follow in one place — none in push-only mode (`jira.push_only`), no loopback,
//! unspecified or link-local address unless `jira.allow_loopback` (checked as written and
//! again after name resolution, and the connection uses the checked address), and redirects
//! only to the same scheme, host and port. A proxy from the environment (`HTTPS_PROXY`) is
//! still used where a site needs one to reach Jira; then the proxy resolves the name, and
//! only the URL as written is checked here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;

use super::address;
use crate::config::Config;

/// Redirects followed at most.
const MOST_REDIRECTS: usize = 5;

#[derive(Clone)]
pub struct JiraClient {
    http: Option<reqwest::Client>,
    allow_loopback: bool,
    push_only: bool,
}

impl JiraClient {
    /// A client for the configuration's start-up-only `jira.allow_loopback` and
    /// `jira.push_only`.
    pub fn from_config(config: &Config) -> JiraClient {
        JiraClient::new(config.jira.allow_loopback, config.jira.push_only)
    }

    pub fn new(allow_loopback: bool, push_only: bool) -> JiraClient {
        let builder = reqwest::Client::builder().redirect(redirect::Policy::custom(same_origin_only));
        let builder = if allow_loopback { builder } else { builder.dns_resolver(Arc::new(CheckedResolver)) };
        #[cfg(feature = "fault-injection")]
        let builder = test_hosts::apply(builder);
        // Building fails only when the TLS backend cannot start. Then no call can be made
        // safely: every one is refused (fail closed) rather than made without the rules.
        let http = builder.build().map_err(|e| {
            tracing::error!(error = %e, "cannot build the HTTP client for Jira; calls to Jira are refused");
        });
        JiraClient { http: http.ok(), allow_loopback, push_only }
    }

    /// A GET of `url` (a URL of an instance the admin added) with `timeout`, or why it may
    /// not be made.
    pub fn get(&self, url: &str, timeout: Duration) -> Result<reqwest::RequestBuilder, String> {
        if self.push_only {
            return Err("jirabridge runs in push-only mode (jira.push_only) and never calls Jira".into());
        }
        let parsed = url::Url::parse(url).map_err(|e| format!("{url} is not a URL: {e}"))?;
        if !self.allow_loopback {
            address::check_url(&parsed)?;
        }
        let http = self.http.as_ref().ok_or("the HTTP client for Jira could not be built")?;
        Ok(http.get(parsed).timeout(timeout))
    }
}

/// Follows a redirect only within the origin first asked (same scheme, host and port), so a
/// Jira answer cannot send jirabridge to another service.
fn same_origin_only(attempt: redirect::Attempt) -> redirect::Action {
    let Some(first) = attempt.previous().first() else { return attempt.stop() };
    let same = first.scheme() == attempt.url().scheme()
        && first.host_str() == attempt.url().host_str()
        && first.port_or_known_default() == attempt.url().port_or_known_default();
    if same && attempt.previous().len() <= MOST_REDIRECTS {
        attempt.follow()
    } else {
        attempt.stop()
    }
}

/// Resolves names with the system resolver and keeps only allowed addresses; the
/// connection is made to those, so a name cannot pass the check and then connect elsewhere.
struct CheckedResolver;

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found.into_iter().filter(|a| !address::is_forbidden(a.ip())).collect();
            if allowed.is_empty() {
                let refused = std::io::Error::new(std::io::ErrorKind::PermissionDenied, address::refusal(&host));
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Test-only (feature `fault-injection`, never in release builds): names that resolve to a
/// loopback fake, so a test can reach a fake Jira Cloud at a `*.atlassian.net` name (Cloud
/// is told apart by that host). Applies to clients built after the call.
#[cfg(feature = "fault-injection")]
pub mod test_hosts {
    use std::net::SocketAddr;
    use std::sync::Mutex;

    static HOSTS: Mutex<Vec<(String, SocketAddr)>> = Mutex::new(Vec::new());

    /// `host` resolves to `address` (port 0: the URL's port is used).
    pub fn resolve(host: &str, address: SocketAddr) {
        HOSTS.lock().unwrap_or_else(|p| p.into_inner()).push((host.to_string(), address));
    }

    pub(super) fn apply(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        let hosts = HOSTS.lock().unwrap_or_else(|p| p.into_inner()).clone();
        hosts.iter().fold(builder, |builder, (host, address)| builder.resolve(host, *address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let name: Name = "localhost".parse().unwrap();
        let refused = match CheckedResolver.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        };
        assert!(refused.contains("jira.allow_loopback"), "{refused}");
    }

    #[test]
    fn push_only_and_loopback_calls_are_refused_before_anything_is_sent() {
        let client = JiraClient::new(false, true);
        assert!(client
            .get("https://jira.example.com/status", Duration::from_secs(1))
            .unwrap_err()
            .contains("push-only"));
        let client = JiraClient::new(false, false);
        assert!(client.get("http://127.1:8080/status", Duration::from_secs(1)).unwrap_err().contains("allow_loopback"));
        assert!(client.get("https://jira.example.com/status", Duration::from_secs(1)).is_ok());
        assert!(JiraClient::new(true, false).get("http://127.0.0.1:8080/status", Duration::from_secs(1)).is_ok());
    }
}
