//! `/api/v1/status`, `/api/v1/audit` and `/api/v1/render`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::events::preview;
use crate::store::{Store, StoreError};
use crate::web::body::{read_limited, BodyError};
use crate::web::AppState;

/// What `/api/v1/status` reports.
#[derive(Serialize)]
pub struct Status {
    pub version: &'static str,
    /// `ok` or `unwritable` (as `/readyz`).
    pub store: &'static str,
    /// `ok`, `unreachable`, `unauthorized` or `not_configured` (as `/readyz`).
    pub mattermost: &'static str,
    pub jira: Value,
    /// Unfinished deliveries by state.
    pub outbox: Value,
    pub events_stored: usize,
}

/// The state of jirabridge and what it talks to; shared with the console's dashboard.
pub async fn status_report(state: &AppState) -> Result<Status, StoreError> {
    let counted = |store: &Store| {
        let instances: Vec<_> = store.instances()?.into_iter().map(|i| i.id).collect();
        Ok::<_, StoreError>((store.outbox_counts()?, instances, store.event_count()))
    };
    let (outbox, instances, events_stored) = state.store.run(counted).await?;
    let config = state.config();
    let reachable: serde_json::Map<String, Value> =
        state.jira_status(&instances).await.into_iter().map(|(id, status)| (id, json!(status))).collect();
    Ok(Status {
        version: env!("CARGO_PKG_VERSION"),
        store: state.store_status(),
        mattermost: state.mattermost_status().await,
        jira: json!({ "instances": instances.len(), "push_only": config.jira.push_only, "reachable": reachable }),
        outbox: json!({ "pending": outbox.pending, "in_flight": outbox.in_flight, "retrying": outbox.retrying }),
        events_stored,
    })
}

pub async fn status(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(status_report(&state).await?))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    since: Option<u64>,
    limit: Option<usize>,
}

/// Audit entries, newest first (default 50, at most 500).
pub async fn audit(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let since = query.since.unwrap_or(0);
    let entries = state.store.run(move |store| store.audit_entries(since, limit)).await?;
    let as_json = |text: &Option<String>| text.as_deref().map(|t| serde_json::from_str(t).unwrap_or(json!(t)));
    let shown: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                // `at` as SPEC §3.5 names it; `at_ms` says its unit, as every other time here.
                "at": e.at_ms, "at_ms": e.at_ms, "actor": e.actor, "action": e.action, "target": e.target,
                "before": as_json(&e.before), "after": as_json(&e.after),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(shown))
}

/// A raw Jira payload → the events and posts it gives, as `jirabridge render` prints them.
pub async fn render(
    _: AdminAuth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let limit = state.config().webhook.max_body_bytes;
    let bytes = read_limited(&req, body, limit).await.map_err(|e| match e {
        BodyError::TooLarge => ApiError::TooLarge(format!("the payload is larger than {limit} bytes")),
        // A late body is answered 408 by the body deadline middleware.
        BodyError::Broken | BodyError::TimedOut => ApiError::BadRequest("could not read the request body".into()),
    })?;
    let rendered = preview::render_payload(&bytes, &Default::default())
        .map_err(|reason| ApiError::field("body", format!("the payload is not JSON: {reason}")))?;
    Ok(HttpResponse::Ok().json(rendered))
}
