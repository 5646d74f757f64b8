//! The legacy webhook handler (`POST /webhook`, SPEC §4.1–4.3): checks in the plugin's
//! order, then hands the event to `events::ingest`. Errors are plain-text sentences.

use actix_web::{web, HttpRequest, HttpResponse};

use super::body::{read_limited, BodyError};
use super::AppState;
use crate::events::ingest::{Accepted, LegacyTarget, Received, KEPT_HEADERS};
use crate::events::normalize::normalize;
use crate::jira::payload::Payload;
use crate::mattermost::channels::Resolution;
use crate::webhook::legacy::Selection;

const KIND: &str = "legacy";

fn text(status: actix_web::http::StatusCode, body: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(body.into())
}

/// Query parameters decoded once; `raw_secret` keeps the encoded form for §4.2.
struct Query {
    pairs: Vec<(String, String)>,
    raw_secret: Option<String>,
}

impl Query {
    fn parse(query: &str) -> Query {
        let pairs = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let raw_secret = query.split('&').find_map(|p| p.strip_prefix("secret=")).map(str::to_string);
        Query { pairs, raw_secret }
    }

    /// The parameters other than `secret`, in order (identifies the configured webhook).
    fn without_secret(&self) -> String {
        let kept = self.pairs.iter().filter(|(k, _)| k != "secret");
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub async fn legacy(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    use actix_web::http::StatusCode;
    let limit = state.config.webhook.max_body_bytes;
    let body = match read_limited(&req, payload, limit).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return refuse(&state, "too_large", text(StatusCode::PAYLOAD_TOO_LARGE, "payload too large"))
        }
        Err(BodyError::Broken) => {
            return refuse(&state, "bad_request", text(StatusCode::BAD_REQUEST, "could not read the request body"))
        }
    };
    let query = Query::parse(req.query_string());
    // A header that is present but unreadable is a bad signature, never "absent".
    let signature = req.headers().get("x-hub-signature").map(|v| v.to_str().unwrap_or("unreadable"));
    let secrets = state.accepted_secrets();
    if let Err(cause) =
        secrets.check(query.raw_secret.as_deref(), signature, &body, state.config.webhook.require_signature)
    {
        tracing::info!(?cause, "webhook refused: authentication failed");
        return refuse(&state, "unauthorized", text(StatusCode::UNAUTHORIZED, "unauthorized"));
    }
    let team = query.get("team").unwrap_or("").trim().to_string();
    let channel = query.get("channel").unwrap_or("").trim().to_string();
    if team.is_empty() {
        return refuse(&state, "bad_request", text(StatusCode::BAD_REQUEST, "request URL: no team name found"));
    }
    if channel.is_empty() {
        return refuse(&state, "bad_request", text(StatusCode::BAD_REQUEST, "request URL: no channel name found"));
    }
    let target = match state.channels.resolve(&state.mattermost, &team, &channel).await {
        Resolution::Found(id) => LegacyTarget::ChannelId { id, team, channel },
        Resolution::NotFound => {
            let message = format!("request URL: channel {team}/{channel} not found");
            return refuse(&state, "bad_request", text(StatusCode::BAD_REQUEST, message));
        }
        Resolution::Unknown(reason) => {
            tracing::warn!(%reason, "could not look up the legacy webhook's channel now; accepting and resolving it later");
            LegacyTarget::ChannelName { team, channel }
        }
    };
    let parsed_payload = match Payload::parse(&body) {
        Ok(p) => p,
        Err(reason) => {
            return refuse(&state, "bad_request", text(StatusCode::BAD_REQUEST, format!("invalid JSON: {reason}")))
        }
    };
    let Some(parsed) = normalize(&parsed_payload) else {
        tracing::info!(
            webhook_event = parsed_payload.webhook_event(),
            "webhook ignored: not an event jirabridge handles"
        );
        state.metrics.webhook(KIND, "ignored");
        return HttpResponse::Ok().finish();
    };
    let selection = Selection::from_flags(|name| query.get(name));
    let target = selection.selects(&parsed.events).then_some(target);
    let received = Received {
        webhook_event: parsed_payload.webhook_event().to_string(),
        raw_body: body,
        headers: kept_headers(&req),
        instance_id: None,
        dedup_scope: query.without_secret(),
    };
    match state.ingest.legacy(received, &parsed, target).await {
        Ok(Accepted::Stored { event_id, deliveries }) => {
            let result = if deliveries == 0 { "unmatched" } else { "accepted" };
            tracing::info!(event_id, issue = %parsed.issue.key, events = ?parsed.events, deliveries, "webhook {result}");
            state.metrics.webhook(KIND, result);
            HttpResponse::Ok().finish()
        }
        Ok(Accepted::Duplicate { event_id }) => {
            tracing::info!(event_id, "webhook duplicate: already received");
            state.metrics.webhook(KIND, "duplicate");
            HttpResponse::Ok().finish()
        }
        Err(e) => {
            tracing::error!(error = %e, "storing a webhook failed; Jira will retry");
            refuse(
                &state,
                "unavailable",
                text(StatusCode::SERVICE_UNAVAILABLE, "temporarily unable to store the event; try again"),
            )
        }
    }
}

fn refuse(state: &AppState, result: &str, response: HttpResponse) -> HttpResponse {
    state.metrics.webhook(KIND, result);
    response
}

fn kept_headers(req: &HttpRequest) -> Vec<(String, String)> {
    KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            req.headers().get(*name).and_then(|v| v.to_str().ok()).map(|v| (name.to_string(), v.to_string()))
        })
        .collect()
}
