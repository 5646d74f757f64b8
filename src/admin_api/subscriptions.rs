//! `/api/v1/subscriptions`: list, create, show, replace, delete, and the approximate JQL.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::store::records::SubscriptionRecordV1;
use crate::store::Store;
use crate::subscriptions::jql::approximate_jql;
use crate::subscriptions::matching::MatchSettings;
use crate::subscriptions::model::Subscription;
use crate::subscriptions::notice::announce;
use crate::subscriptions::service::{RuleKind, SubscriptionError, Subscriptions};
use crate::subscriptions::stored;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    channel_id: Option<String>,
    instance_id: Option<String>,
    project: Option<String>,
}

impl From<SubscriptionError> for ApiError {
    fn from(e: SubscriptionError) -> Self {
        match e {
            SubscriptionError::Invalid(fields) => ApiError::Validation(fields),
            SubscriptionError::NotFound => ApiError::NotFound(e.to_string()),
            SubscriptionError::Store(s) => s.into(),
        }
    }
}

fn service(state: &AppState) -> Subscriptions {
    rules(state, RuleKind::Subscription)
}

/// The rule operations of `kind`, acting as the admin API.
pub fn rules(state: &AppState, kind: RuleKind) -> Subscriptions {
    state.rules_as(kind, "api")
}

pub async fn list(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let wanted = |r: &SubscriptionRecordV1| {
        query.channel_id.as_ref().is_none_or(|c| c == r.channel_id.as_str())
            && query.instance_id.as_ref().is_none_or(|i| i == r.instance_id.as_str())
            && query.project.as_ref().is_none_or(|p| r.projects.contains(p))
    };
    let read = |store: &crate::store::Store| {
        let installed: Vec<String> = store.instances()?.into_iter().map(|i| i.id.into_string()).collect();
        Ok::<_, crate::store::StoreError>((store.subscriptions()?, installed))
    };
    let (all, installed) = state.store.run(read).await?;
    let mut all: Vec<_> = all.into_iter().filter(wanted).collect();
    all.sort_by(|a, b| (&a.channel_id, &a.name).cmp(&(&b.channel_id, &b.name)));
    let mut shown = Vec::with_capacity(all.len());
    for record in &all {
        let mut json = with_channel_display(&state, record).await;
        json["state"] = stored::shown_state(record, &installed).into();
        shown.push(json);
    }
    Ok(HttpResponse::Ok().json(shown))
}

/// The rule as JSON with `channel_display` ("Team / Channel", null when Mattermost cannot
/// say), so a reader sees where it posts.
async fn with_channel_display(state: &AppState, record: &SubscriptionRecordV1) -> serde_json::Value {
    let mut json = stored::to_json(record);
    let display = state.channel_names.display(&state.mattermost, record.channel_id.as_str()).await;
    if let Some(object) = json.as_object_mut() {
        object.insert("channel_display".into(), display.map_or(serde_json::Value::Null, serde_json::Value::from));
    }
    json
}

pub async fn create(
    _: AdminAuth,
    state: web::Data<AppState>,
    body: web::Json<Subscription>,
) -> Result<HttpResponse, ApiError> {
    let record = service(&state).create(body.into_inner()).await?;
    announce(
        &state.mattermost,
        &record.channel_id,
        &format!("Jira subscription, \"{}\", was added to this channel by the admin API", record.name),
    );
    Ok(HttpResponse::Created().json(with_channel_display(&state, &record).await))
}

pub async fn get(_: AdminAuth, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let record = stored_rule(&state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(with_channel_display(&state, &record).await))
}

/// The stored subscription `id`.
async fn stored_rule(state: &AppState, id: String) -> Result<SubscriptionRecordV1, SubscriptionError> {
    state.store.run(move |store| store.subscription(&id)?.ok_or(SubscriptionError::NotFound)).await
}

pub async fn replace(
    _: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Subscription>,
) -> Result<HttpResponse, ApiError> {
    let record = service(&state).update(&id, body.into_inner()).await?;
    announce(
        &state.mattermost,
        &record.channel_id,
        &format!("Jira subscription, \"{}\", was updated by the admin API", record.name),
    );
    Ok(HttpResponse::Ok().json(with_channel_display(&state, &record).await))
}

pub async fn delete(_: AdminAuth, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let removed = service(&state).delete(&id).await?;
    announce(
        &state.mattermost,
        &removed.channel_id,
        &format!("Jira subscription, \"{}\", was removed from this channel by the admin API", removed.name),
    );
    Ok(HttpResponse::NoContent().finish())
}

pub async fn jql(_: AdminAuth, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let record = stored_rule(&state, id.into_inner()).await?;
    let (jql, notes) = approximate_jql(&stored::from_record(&record), MatchSettings::from_config(&state.config()));
    Ok(HttpResponse::Ok().json(json!({ "jql": jql, "notes": notes })))
}

#[derive(Deserialize)]
pub struct DryRunRequest {
    subscription: Option<Subscription>,
    id: Option<String>,
    #[serde(default = "default_last")]
    last: usize,
}

fn default_last() -> usize {
    100
}

/// Which of the last stored events a rule (given, or stored under `id`) would have posted.
pub async fn dry_run(
    _: AdminAuth,
    state: web::Data<AppState>,
    body: web::Json<DryRunRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let last = request.last.clamp(1, 10_000);
    let settings = MatchSettings::from_config(&state.config());
    let result = match (request.subscription, request.id) {
        (Some(sub), _) => {
            state.store.run(move |store| crate::subscriptions::service::dry_run(store, &sub, last, settings)).await?
        }
        (None, Some(id)) => {
            let read = move |store: &Store| {
                let record = store.subscription(&id)?.ok_or(SubscriptionError::NotFound)?;
                Ok::<_, SubscriptionError>(crate::subscriptions::service::dry_run(
                    store,
                    &stored::from_record(&record),
                    last,
                    settings,
                )?)
            };
            state.store.run(read).await?
        }
        (None, None) => return Err(ApiError::field("subscription", "give a subscription or the id of a stored one")),
    };
    Ok(HttpResponse::Ok().json(result))
}
