//! `/api/v1/templates`: subscription templates per (instance, project) (SPEC §6.4).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::auth::AdminAuth;
use super::error::ApiError;
use super::subscriptions::rules;
use crate::subscriptions::model::Subscription;
use crate::subscriptions::service::{RuleKind, SubscriptionError};
use crate::subscriptions::stored;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    instance_id: Option<String>,
    project_key: Option<String>,
}

pub async fn list(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let wanted = |t: &crate::store::records::SubscriptionRecordV1| {
        query.instance_id.as_ref().is_none_or(|i| i == t.instance_id.as_str())
            && query.project_key.as_ref().is_none_or(|p| t.projects.first() == Some(p))
    };
    let mut all: Vec<_> = state.store.run(|store| store.templates()).await?.into_iter().filter(wanted).collect();
    all.sort_by(|a, b| (&a.instance_id, &a.projects, &a.name).cmp(&(&b.instance_id, &b.projects, &b.name)));
    Ok(HttpResponse::Ok().json(all.iter().map(stored::to_json).collect::<Vec<_>>()))
}

pub async fn create(
    _: AdminAuth,
    state: web::Data<AppState>,
    body: web::Json<Subscription>,
) -> Result<HttpResponse, ApiError> {
    let record = rules(&state, RuleKind::Template).create(body.into_inner()).await?;
    Ok(HttpResponse::Created().json(stored::to_json(&record)))
}

pub async fn get(_: AdminAuth, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let record = state.store.run(move |store| store.template(&id)?.ok_or(SubscriptionError::NotFound)).await?;
    Ok(HttpResponse::Ok().json(stored::to_json(&record)))
}

pub async fn replace(
    _: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Subscription>,
) -> Result<HttpResponse, ApiError> {
    let record = rules(&state, RuleKind::Template).update(&id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(stored::to_json(&record)))
}

pub async fn delete(_: AdminAuth, state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    rules(&state, RuleKind::Template).delete(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}
