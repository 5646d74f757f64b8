//! `/api/v1/instances`: list, add, show, remove Jira instances.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::instances::{self, InstanceError, NewInstance};
use crate::utc::now_ms;
use crate::web::AppState;

#[derive(Deserialize)]
pub struct AddQuery {
    #[serde(default)]
    skip_check: bool,
}

impl From<InstanceError> for ApiError {
    fn from(e: InstanceError) -> Self {
        match e {
            InstanceError::Invalid { field, message } => ApiError::field(field, message),
            InstanceError::Exists(_) => ApiError::Conflict(e.to_string()),
            InstanceError::NotFound(m) => ApiError::NotFound(m),
            InstanceError::Unreachable => ApiError::JiraUnreachable(e.to_string()),
            InstanceError::Store(s) => s.into(),
        }
    }
}

pub async fn list(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let base = state.config().public_base_url();
    let all = state.store.run(|store| store.instances()).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(|i| instances::to_json(i, &base)).collect::<Vec<_>>()))
}

pub async fn create(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<AddQuery>,
    body: web::Json<NewInstance>,
) -> Result<HttpResponse, ApiError> {
    let record = instances::add(&state.instance_context("api"), body.into_inner(), query.skip_check, now_ms()).await?;
    Ok(HttpResponse::Created().json(instances::to_json(&record, &state.config().public_base_url())))
}

pub async fn get(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let missing = ApiError::NotFound(format!("unknown Jira instance {reference}"));
    let record = state.store.run(move |store| instances::resolve(store, &reference)).await?.ok_or(missing)?;
    Ok(HttpResponse::Ok().json(instances::to_json(&record, &state.config().public_base_url())))
}

pub async fn patch(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    body: web::Json<instances::InstancePatch>,
) -> Result<HttpResponse, ApiError> {
    let (reference, patch, base) = (reference.into_inner(), body.into_inner(), state.config().public_base_url());
    let shown = base.clone();
    let updated = state.store.run(move |store| instances::change(store, &reference, patch, "api", &base)).await?;
    Ok(HttpResponse::Ok().json(instances::to_json(&updated, &shown)))
}

pub async fn delete(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (reference, base) = (reference.into_inner(), state.config().public_base_url());
    state.store.run(move |store| instances::remove(store, &reference, "api", &base)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/instances/{ref}/webhook-urls`: the URLs with the secret in them (§9.4).
pub async fn webhook_urls(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let found = state.store.run(move |store| instances::resolve(store, &reference)).await?;
    let instance = found.ok_or_else(|| ApiError::NotFound("unknown Jira instance".into()))?;
    let secret = state.accepted_secrets().current;
    Ok(HttpResponse::Ok().json(instances::urls_json(&instance.id, &state.config().public_base_url(), &secret)))
}

/// `GET /api/v1/catalog/{ref}`: the names the console offers for an instance (SPEC §3.5,
/// §6.9), learned from the payloads it sent.
pub async fn catalog(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let entries = state
        .store
        .run(move |store| -> Result<Option<Vec<crate::store::CatalogEntry>>, crate::store::StoreError> {
            let Some(instance) = instances::resolve(store, &reference)? else { return Ok(None) };
            crate::subscriptions::catalog::learn_recent(store)?;
            store.catalog(instance.id.as_str()).map(Some)
        })
        .await?;
    let entries = entries.ok_or_else(|| ApiError::NotFound("unknown Jira instance".into()))?;
    Ok(HttpResponse::Ok().json(crate::subscriptions::catalog::as_json(&entries)))
}
