//! `/api/v1/events` and `/api/v1/deliveries`: the event log, replay, the outbox and
//! "retry now". The work is in `ingest::search`, `ingest::replay` and `delivery::outbox`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::delivery::outbox::{self, RetryError};
use crate::ingest::replay::ReplayError;
use crate::ingest::search::{self as log, EventQuery};
use crate::store::records::DeliveryState;
use crate::utc::now_ms;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct EventsQuery {
    issue_key: Option<String>,
    project: Option<String>,
    kind: Option<String>,
    since: Option<u64>,
    limit: Option<usize>,
}

impl From<ReplayError> for ApiError {
    fn from(e: ReplayError) -> Self {
        match e {
            ReplayError::NotFound(_) => ApiError::NotFound(e.to_string()),
            ReplayError::Unreadable(..) | ReplayError::NoTarget(_) | ReplayError::StillPending(_) => {
                ApiError::Conflict(e.to_string())
            }
            ReplayError::Store(s) => s.into(),
        }
    }
}

impl From<RetryError> for ApiError {
    fn from(e: RetryError) -> Self {
        match e {
            RetryError::NotFound(_) => ApiError::NotFound(e.to_string()),
            RetryError::Done(_) | RetryError::InFlight(_) | RetryError::Changed(_) => ApiError::Conflict(e.to_string()),
            RetryError::Store(s) => s.into(),
        }
    }
}

pub async fn list(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let EventsQuery { issue_key, project, kind, since, limit } = query.into_inner();
    let Ok(issue_key) = log::wanted_issue(issue_key.as_deref()) else {
        return Ok(HttpResponse::Ok().json(Vec::<log::EventSummary>::new()));
    };
    let query = EventQuery { issue_key, project, kind, since_ms: since, limit };
    Ok(HttpResponse::Ok().json(state.store.run(move |store| log::search(store, &query)).await?))
}

pub async fn get(_: AdminAuth, state: web::Data<AppState>, id: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let detail = state.store.run(move |store| log::detail(store, id)).await?;
    let mut detail = detail.ok_or_else(|| ApiError::NotFound(format!("no event {id}")))?;
    with_channel_names(&state, &mut detail.deliveries).await;
    Ok(HttpResponse::Ok().json(detail))
}

/// Each delivery's channel as people name it ("Team / Channel"), from the cache of names.
async fn with_channel_names(state: &AppState, deliveries: &mut [outbox::DeliverySummary]) {
    for delivery in deliveries.iter_mut() {
        delivery.channel_display = state.channel_names.display(&state.mattermost, &delivery.channel).await;
    }
}

pub async fn replay(_: AdminAuth, state: web::Data<AppState>, id: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let deliveries = state.ingest.replay(*id, state.subscriptions.clone(), "api").await?;
    Ok(HttpResponse::Accepted().json(json!({ "deliveries": deliveries })))
}

#[derive(Deserialize)]
pub struct DeliveriesQuery {
    state: Option<String>,
    limit: Option<usize>,
}

pub async fn deliveries(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let wanted = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(DeliveryState::parse(text).ok_or_else(|| {
            let expected: Vec<&str> = DeliveryState::ALL.iter().map(|s| s.as_str()).collect();
            let message = format!("unknown state {text:?}; expected one of {}", expected.join(", "));
            ApiError::field("state", message)
        })?),
    };
    let limit = query.limit.unwrap_or(outbox::DEFAULT_LIMIT);
    let mut found = state.store.run(move |store| outbox::list(store, wanted, limit)).await?;
    with_channel_names(&state, &mut found).await;
    Ok(HttpResponse::Ok().json(found))
}

pub async fn retry(_: AdminAuth, state: web::Data<AppState>, id: web::Path<u64>) -> Result<HttpResponse, ApiError> {
    let (id, waker) = (id.into_inner(), state.ingest.waker.clone());
    let retried = state.store.run(move |store| outbox::retry_now(store, &waker, id, "api", now_ms())).await?;
    Ok(HttpResponse::Accepted().json(retried))
}
