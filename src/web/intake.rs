//! The steps every webhook goes through, in the order of SPEC §4.1: size limit (413),
//! authentication (401, before the body is read unless a signature needs it), the body
//! within its time limit (408), JSON (400), "not an event we handle" (200, ignored), and the
//! answer once the event is stored. Errors are plain-text sentences, as the plugin's were.
//!
//! Steps return `Err(HttpResponse)`: the refusal is the finished answer, made once per request.

use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::body::{declared_too_large, read_limited, timed_out, BodyError};
use super::AppState;
use crate::events::model::NormalizedEvent;
use crate::events::normalize::normalize;
use crate::ingest::{Accepted, KEPT_HEADERS};
use crate::jira::payload::Payload;
use crate::jira::webhook_fields::Webhook;
use crate::store::StoreError;

pub fn text(status: StatusCode, body: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(body.into())
}

/// Query parameters decoded once; `raw_secret` keeps the encoded form for §4.2.
pub struct Query {
    pairs: Vec<(String, String)>,
    raw_secret: Option<String>,
}

impl Query {
    pub fn parse(query: &str) -> Query {
        let pairs = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let raw_secret = query.split('&').find_map(|p| p.strip_prefix("secret=")).map(str::to_string);
        Query { pairs, raw_secret }
    }

    /// The parameters other than `secret`, in order (identifies the configured webhook).
    pub fn without_secret(&self) -> String {
        let kept = self.pairs.iter().filter(|(k, _)| k != "secret");
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// One webhook request of a given kind (`legacy`, `firehose`), counted in metrics.
pub struct Intake<'a> {
    pub state: &'a AppState,
    pub kind: &'static str,
}

impl Intake<'_> {
    /// Counts and logs a refusal and returns its plain-text response. The log line is what
    /// an admin whose Jira reports failing webhooks looks for; the text never holds the
    /// secret (authentication failures log their cause where they are decided).
    pub fn refuse(&self, result: &str, status: StatusCode, body: impl Into<String>) -> HttpResponse {
        self.state.metrics.webhook(self.kind, result);
        let body = body.into();
        if result != "unauthorized" {
            // The reason can quote the URL's team and channel names; the log format escapes them.
            let reason = &body;
            tracing::info!(kind = self.kind, status = status.as_u16(), %reason, "webhook refused");
        }
        text(status, body)
    }

    /// Checks the size limit and the secret or signature, and reads the body. Without a
    /// signature header the secret is checked before a byte of the body is read, so a
    /// stranger's request costs no body buffer at all.
    pub async fn authenticated(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
    ) -> Result<(Vec<u8>, Query), HttpResponse> {
        let limit = self.state.config().webhook.max_body_bytes;
        if declared_too_large(req, limit) {
            return Err(self.refuse("too_large", StatusCode::PAYLOAD_TOO_LARGE, "payload too large"));
        }
        let query = Query::parse(req.query_string());
        // A header that is present but unreadable is a bad signature, never "absent".
        let signature = req.headers().get("x-hub-signature").map(|v| v.to_str().unwrap_or("unreadable"));
        if signature.is_none() {
            self.check_secret(&query, None, &[])?;
        }
        let body = match read_limited(req, payload, limit).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => {
                return Err(self.refuse("too_large", StatusCode::PAYLOAD_TOO_LARGE, "payload too large"))
            }
            Err(BodyError::TimedOut) => {
                self.state.metrics.webhook(self.kind, "timeout");
                tracing::info!(kind = self.kind, "webhook refused: the body was not received in time");
                return Err(timed_out());
            }
            Err(BodyError::Broken) => {
                return Err(self.refuse("bad_request", StatusCode::BAD_REQUEST, "could not read the request body"))
            }
        };
        if signature.is_some() {
            self.check_secret(&query, signature, &body)?;
        }
        if self.state.config().log.webhook_bodies {
            log_body(self.kind, req, &body);
        }
        Ok((body, query))
    }

    /// §4.2 for this request (the body matters only with a signature header).
    fn check_secret(&self, query: &Query, signature: Option<&str>, body: &[u8]) -> Result<(), HttpResponse> {
        let required = self.state.config().webhook.require_signature;
        let checked = self.state.accepted_secrets().check(query.raw_secret.as_deref(), signature, body, required);
        checked.map_err(|cause| {
            tracing::info!(?cause, kind = self.kind, "webhook refused: authentication failed");
            self.refuse("unauthorized", StatusCode::UNAUTHORIZED, "unauthorized")
        })
    }

    /// Parses and normalizes; `Ok(None)` = not an event we handle (already answered 200).
    /// Answers the payload's `webhookEvent` with the event.
    pub fn parse(&self, body: &[u8]) -> Result<Option<(String, NormalizedEvent)>, HttpResponse> {
        let payload = Webhook::parse(body).map_err(|reason| self.invalid_json(reason))?;
        match normalize(&payload) {
            Some(parsed) => Ok(Some((payload.webhook_event.as_str().to_string(), parsed))),
            None => {
                tracing::info!(
                    kind = self.kind,
                    webhook_event = payload.webhook_event.as_str(),
                    "webhook ignored: not an event jirabridge handles"
                );
                self.state.metrics.webhook(self.kind, "ignored");
                Ok(None)
            }
        }
    }

    /// The whole payload as a JSON tree, for routing by any field (firehose).
    pub fn parse_tree(&self, body: &[u8]) -> Result<Payload, HttpResponse> {
        Payload::parse(body).map_err(|reason| self.invalid_json(reason))
    }

    fn invalid_json(&self, reason: String) -> HttpResponse {
        self.refuse("bad_request", StatusCode::BAD_REQUEST, format!("invalid JSON: {reason}"))
    }

    /// The answer to Jira once ingest is done: 200 when stored or a duplicate, 503 when the
    /// store failed (Jira retries).
    pub fn answer(&self, stored: Result<Accepted, StoreError>, parsed: &NormalizedEvent) -> HttpResponse {
        match stored {
            Ok(Accepted::Stored { event_id, deliveries }) => {
                let result = if deliveries == 0 { "unmatched" } else { "accepted" };
                tracing::info!(event_id, kind = self.kind, issue = %parsed.issue.key, events = ?parsed.events, deliveries, "webhook {result}");
                self.state.metrics.webhook(self.kind, result);
                HttpResponse::Ok().finish()
            }
            Ok(Accepted::Duplicate { event_id }) => {
                tracing::info!(event_id, kind = self.kind, "webhook duplicate: already received");
                self.state.metrics.webhook(self.kind, "duplicate");
                HttpResponse::Ok().finish()
            }
            Err(e) => self.store_failed(&e),
        }
    }

    /// 503 with `Retry-After: 30` (SPEC §4.6): the store could not take or read what this
    /// webhook needs now; nothing of it was kept, and Jira tries again.
    pub fn store_failed(&self, error: &StoreError) -> HttpResponse {
        tracing::debug!(error = %error, kind = self.kind, "storing a webhook failed; Jira will retry");
        let mut refused = self.refuse(
            "unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily unable to store the event; try again",
        );
        refused.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("30"));
        refused
    }
}

/// `log.webhook_bodies`: an authenticated webhook as received, at debug level under the
/// target `webhook_body` (so `log.level = "info,webhook_body=debug"` shows only these), with
/// the URL's secret redacted.
fn log_body(kind: &str, req: &HttpRequest, body: &[u8]) {
    let query = redacted_query(req.query_string());
    let body = String::from_utf8_lossy(body);
    tracing::debug!(target: "webhook_body", kind, path = req.path(), %query, %body, "webhook received");
}

/// The query string with the value of every parameter whose decoded name is `secret`
/// (however it is percent-encoded) replaced by `***`.
fn redacted_query(query: &str) -> String {
    let is_secret = |pair: &str| {
        let name = pair.split('=').next().unwrap_or("");
        url::form_urlencoded::parse(name.as_bytes()).next().is_some_and(|(key, _)| key == "secret")
    };
    let pairs = query.split('&').map(|pair| if is_secret(pair) { "secret=***" } else { pair });
    pairs.collect::<Vec<_>>().join("&")
}

/// The request headers kept with a stored event.
pub fn kept_headers(req: &HttpRequest) -> Vec<(String, String)> {
    KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            req.headers().get(*name).and_then(|v| v.to_str().ok()).map(|v| (name.to_string(), v.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_secret_is_redacted() {
        assert_eq!(
            super::redacted_query("team=eng&secret=abc%26def&channel=jira&secretive=1&%73ecret=x&secret"),
            "team=eng&secret=***&channel=jira&secretive=1&secret=***&secret=***"
        );
        assert_eq!(super::redacted_query(""), "");
    }
}
