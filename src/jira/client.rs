//! The one HTTP client for calls to Jira: one connection pool, with the rules every call
//! must follow in one place — none in push-only mode (`jira.push_only`), no loopback,
//! unspecified or link-local address unless `jira.allow_loopback` (checked as written and
//! again after name resolution, and the connection uses the checked address), and redirects
//! only to the same scheme, host and port. A proxy from the environment (`HTTPS_PROXY`) is
//! still used where a site needs one to reach Jira; then the proxy resolves the name, and
//! only the URL as written is checked here.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;

use super::address;
use super::auth::JiraAuth;
use crate::config::Config;
use crate::telemetry::Metrics;

/// Redirects followed at most.
const MOST_REDIRECTS: usize = 5;
/// The longest `Retry-After` of a 429 that a call waits out before trying once more.
pub const LONGEST_RATE_LIMIT_WAIT: Duration = Duration::from_secs(10);

/// Why a call to Jira gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JiraError {
    /// Not made: push-only mode, or an address `jira.allow_loopback` refuses.
    #[error("{0}")]
    Refused(String),
    #[error("Jira refused the credentials (401)")]
    Unauthorized,
    #[error("Jira does not allow this (403)")]
    Forbidden,
    #[error("Jira has no such thing, or does not show it to these credentials (404)")]
    NotFound,
    #[error("Jira asks to slow down (429)")]
    RateLimited { retry_after: Option<Duration> },
    /// 400 with Jira's `{errorMessages, errors}`, as one sentence.
    #[error("Jira refused the request: {0}")]
    BadRequest(String),
    /// No answer, or a server error (5xx).
    #[error("Jira did not answer: {0}")]
    Unreachable(String),
    /// An answer that is not what was asked for (another status, or not the JSON expected).
    #[error("Jira's answer is not usable: {0}")]
    Invalid(String),
}

/// The one client for calls to Jira; cheap to clone (clones share the pool, the timeout
/// and the metrics).
#[derive(Clone)]
pub struct JiraClient {
    http: Option<reqwest::Client>,
    allow_loopback: bool,
    push_only: bool,
    /// `jira.request_timeout_secs` in force, in ms (a console change applies at once).
    timeout_ms: Arc<AtomicU64>,
    metrics: Metrics,
}

impl JiraClient {
    /// A client for the configuration's start-up-only `jira.allow_loopback` and
    /// `jira.push_only`, with its request timeout; requests are counted in `metrics`.
    pub fn from_config(config: &Config, metrics: Metrics) -> JiraClient {
        let timeout = Duration::from_secs(config.jira.request_timeout_secs);
        JiraClient::new(config.jira.allow_loopback, config.jira.push_only, timeout, metrics)
    }

    pub fn new(allow_loopback: bool, push_only: bool, timeout: Duration, metrics: Metrics) -> JiraClient {
        let builder = reqwest::Client::builder().redirect(redirect::Policy::custom(same_origin_only));
        let builder = if allow_loopback { builder } else { builder.dns_resolver(Arc::new(CheckedResolver)) };
        #[cfg(feature = "fault-injection")]
        let builder = test_hosts::apply(builder);
        // Building fails only when the TLS backend cannot start. Then no call can be made
        // safely: every one is refused (fail closed) rather than made without the rules.
        let http = builder.build().map_err(|e| {
            tracing::error!(error = %e, "cannot build the HTTP client for Jira; calls to Jira are refused");
        });
        let timeout_ms = Arc::new(AtomicU64::new(timeout.as_millis() as u64));
        JiraClient { http: http.ok(), allow_loopback, push_only, timeout_ms, metrics }
    }

    /// Whether calls may be made at all (not push-only).
    pub fn may_call(&self) -> bool {
        !self.push_only
    }

    /// The request timeout in force (`jira.request_timeout_secs`).
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed))
    }

    /// Sets the request timeout (a changed `jira.request_timeout_secs`).
    pub fn set_timeout(&self, timeout: Duration) {
        self.timeout_ms.store(timeout.as_millis() as u64, Ordering::Relaxed);
    }

    /// `GET url?query` with `auth`, within the timeout in force: the JSON answered with 2xx.
    pub async fn get_json(
        &self,
        url: &str,
        query: &[(&str, &str)],
        auth: Option<&JiraAuth>,
    ) -> Result<serde_json::Value, JiraError> {
        self.get_json_within(url, query, auth, self.timeout()).await
    }

    /// [`JiraClient::get_json`] with a timeout of its own (the install check's).
    pub async fn get_json_within(
        &self,
        url: &str,
        query: &[(&str, &str)],
        auth: Option<&JiraAuth>,
        timeout: Duration,
    ) -> Result<serde_json::Value, JiraError> {
        let request = self.request(url, timeout)?.query(query).header("Accept", "application/json");
        json_of(self.answer(request, auth).await?)?.ok_or_else(|| JiraError::Invalid("an empty answer".into()))
    }

    /// `method url?query` with `auth` and a JSON `body`, within the timeout in force: the
    /// JSON answered with 2xx, or `None` for an empty answer (204).
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
        auth: &JiraAuth,
    ) -> Result<Option<serde_json::Value>, JiraError> {
        self.call_json(method, url, query, body, Some(auth)).await
    }

    /// [`JiraClient::send_json`] where credentials are optional (OAuth 2.0's token endpoint
    /// takes the client's in the body).
    pub async fn call_json(
        &self,
        method: reqwest::Method,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
        auth: Option<&JiraAuth>,
    ) -> Result<Option<serde_json::Value>, JiraError> {
        let mut request =
            self.request_with(method, url, self.timeout())?.query(query).header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        json_of(self.answer(request, auth).await?)
    }

    /// `POST url` with `auth` and no body: the text answered with 2xx (OAuth 1.0a's token
    /// endpoints answer form-encoded text).
    pub async fn post_for_text(&self, url: &str, auth: &JiraAuth) -> Result<String, JiraError> {
        let request = self.request_with(reqwest::Method::POST, url, self.timeout())?;
        let bytes = self.answer(request, Some(auth)).await?;
        String::from_utf8(bytes).map_err(|_| JiraError::Invalid("an answer that is not UTF-8".into()))
    }

    /// `POST url` of one file as multipart `file`, with `X-Atlassian-Token: no-check` (Jira's
    /// attachment upload): the JSON answered. Not retried on 429 (the body is a stream).
    pub async fn post_file(
        &self,
        url: &str,
        (name, bytes, mime): (&str, Vec<u8>, &str),
        auth: &JiraAuth,
    ) -> Result<Option<serde_json::Value>, JiraError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(if mime.is_empty() { "application/octet-stream" } else { mime })
            .map_err(|e| JiraError::Refused(format!("not a media type: {e}")))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let request = self
            .request_with(reqwest::Method::POST, url, self.timeout().max(Duration::from_secs(60)))?
            .header("Accept", "application/json")
            .header("X-Atlassian-Token", "no-check")
            .multipart(form);
        json_of(self.answer_once(authorized(request, Some(auth))?).await?)
    }

    /// Sends `request` with `auth` (signed anew for each attempt); a 429 whose `Retry-After`
    /// is at most [`LONGEST_RATE_LIMIT_WAIT`] is waited out and the request sent once more
    /// (decided in issue 17; a longer wait is the caller's to report).
    async fn answer(&self, request: reqwest::RequestBuilder, auth: Option<&JiraAuth>) -> Result<Vec<u8>, JiraError> {
        let again = request.try_clone();
        match (self.answer_once(authorized(request, auth)?).await, again) {
            (Err(JiraError::RateLimited { retry_after: Some(wait) }), Some(again))
                if wait <= LONGEST_RATE_LIMIT_WAIT =>
            {
                tokio::time::sleep(wait).await;
                self.answer_once(authorized(again, auth)?).await
            }
            (answered, _) => answered,
        }
    }

    /// Sends `request`: the body answered with 2xx, a 400's `errorMessages` and `errors` as
    /// one sentence, or the typed error of the status.
    async fn answer_once(&self, request: reqwest::Request) -> Result<Vec<u8>, JiraError> {
        let http = self.http()?;
        let response = http.execute(request).await.map_err(|e| {
            self.count("unreachable");
            JiraError::Unreachable(describe(&e))
        })?;
        let status = response.status();
        self.count(status.as_str());
        if status.as_u16() == 400 {
            let text = response.text().await.unwrap_or_default();
            return Err(JiraError::BadRequest(error_sentence(&text)));
        }
        if !status.is_success() {
            return Err(error_of(status.as_u16(), response.headers()));
        }
        response.bytes().await.map(|b| b.to_vec()).map_err(|e| JiraError::Unreachable(describe(&e)))
    }

    fn http(&self) -> Result<&reqwest::Client, JiraError> {
        self.http.as_ref().ok_or(JiraError::Refused("the HTTP client for Jira could not be built".into()))
    }

    /// A GET of `url` (a URL of an instance the admin added), or why it may not be made.
    fn request(&self, url: &str, timeout: Duration) -> Result<reqwest::RequestBuilder, JiraError> {
        self.request_with(reqwest::Method::GET, url, timeout)
    }

    /// A request of `url`, or why it may not be made (push-only, a refused address).
    fn request_with(
        &self,
        method: reqwest::Method,
        url: &str,
        timeout: Duration,
    ) -> Result<reqwest::RequestBuilder, JiraError> {
        if self.push_only {
            return Err(JiraError::Refused(
                "jirabridge runs in push-only mode (jira.push_only) and never calls Jira".into(),
            ));
        }
        let parsed = url::Url::parse(url).map_err(|e| JiraError::Refused(format!("{url} is not a URL: {e}")))?;
        if !self.allow_loopback {
            address::check_url(&parsed).map_err(JiraError::Refused)?;
        }
        Ok(self.http()?.request(method, parsed).timeout(timeout))
    }

    fn count(&self, status: &str) {
        self.metrics.jira_request(status);
    }
}

/// The built request with its `Authorization` header, computed from the final method and
/// URL (an OAuth 1.0a signature covers both).
fn authorized(request: reqwest::RequestBuilder, auth: Option<&JiraAuth>) -> Result<reqwest::Request, JiraError> {
    let mut request = request.build().map_err(|e| JiraError::Refused(format!("not a request: {e}")))?;
    if let Some(auth) = auth {
        let value = auth.header(request.method().as_str(), request.url())?;
        let value = reqwest::header::HeaderValue::from_str(&value)
            .map_err(|_| JiraError::Refused("credentials that cannot be sent in a header".into()))?;
        request.headers_mut().insert(reqwest::header::AUTHORIZATION, value);
    }
    Ok(request)
}

/// A 2xx body as JSON; `None` when it is empty (204).
fn json_of(bytes: Vec<u8>) -> Result<Option<serde_json::Value>, JiraError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes).map(Some).map_err(|e| JiraError::Invalid(format!("not JSON: {e}")))
}

/// Jira's `{"errorMessages":[…],"errors":{field: message}}` as one sentence (SPEC §12.1); an
/// OAuth endpoint's `{"error","error_description"}` as `error: description`.
fn error_sentence(body: &str) -> String {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    if let Some(error) = parsed["error"].as_str() {
        return match parsed["error_description"].as_str() {
            Some(description) => format!("{error}: {description}"),
            None => error.to_string(),
        };
    }
    let messages = parsed["errorMessages"].as_array().into_iter().flatten().filter_map(|m| m.as_str());
    let fields = parsed["errors"].as_object().into_iter().flatten();
    let mut parts: Vec<String> = messages.map(str::to_string).collect();
    parts.extend(fields.map(|(field, message)| format!("{field}: {}", message.as_str().unwrap_or_default())));
    if parts.is_empty() {
        "Jira answered 400".into()
    } else {
        parts.join("; ")
    }
}

/// The error for a non-2xx status.
fn error_of(status: u16, headers: &reqwest::header::HeaderMap) -> JiraError {
    match status {
        401 => JiraError::Unauthorized,
        403 => JiraError::Forbidden,
        404 => JiraError::NotFound,
        429 => {
            let seconds = headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
            JiraError::RateLimited { retry_after: seconds.map(Duration::from_secs) }
        }
        500..=599 => JiraError::Unreachable(format!("Jira answered {status}")),
        other => JiraError::Invalid(format!("Jira answered {other}")),
    }
}

/// What went wrong, with the source chain (a name resolving only to refused addresses
/// says so there).
fn describe(e: &reqwest::Error) -> String {
    let why: Vec<String> =
        std::iter::successors(std::error::Error::source(e), |s| s.source()).map(ToString::to_string).collect();
    if why.is_empty() {
        e.to_string()
    } else {
        format!("{e}: {}", why.join(": "))
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
mod tests;
