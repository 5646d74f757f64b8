//! `/api/v1/instances`: list, add, show, remove Jira instances.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::instances::{self, oauth, InstanceError, NewInstance};
use crate::jira::instance::InstanceType;
use crate::store::records::InstanceRecordV1;
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

/// An instance as the API shows it: [`instances::to_json`] and its OAuth settings.
async fn shown(state: &AppState, records: Vec<InstanceRecordV1>) -> Result<Vec<Value>, ApiError> {
    let (base, key) = (state.config().public_base_url(), state.master_key.clone());
    let shown = state
        .store
        .run(move |store| -> Result<Vec<Value>, crate::store::StoreError> {
            let mut shown = Vec::with_capacity(records.len());
            for record in &records {
                let auth = oauth::load(store, &key, record.id.as_str())?;
                let public_key = match record.instance_type {
                    InstanceType::Server => oauth::rsa_key(store, &key)?.public_pem().ok(),
                    InstanceType::Cloud => None,
                };
                let mut json = instances::to_json(record, &base);
                if let (Some(all), Value::Object(extra)) =
                    (json.as_object_mut(), oauth::to_json(record, &auth, public_key.as_deref(), &base))
                {
                    all.extend(extra);
                }
                shown.push(json);
            }
            Ok(shown)
        })
        .await?;
    Ok(shown)
}

async fn shown_one(state: &AppState, record: InstanceRecordV1) -> Result<Value, ApiError> {
    Ok(shown(state, vec![record]).await?.pop().unwrap_or_default())
}

pub async fn list(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let all = state.store.run(|store| store.instances()).await?;
    Ok(HttpResponse::Ok().json(shown(&state, all).await?))
}

pub async fn create(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<AddQuery>,
    body: web::Json<NewInstance>,
) -> Result<HttpResponse, ApiError> {
    let record = instances::add(&state.instance_context("api"), body.into_inner(), query.skip_check, now_ms()).await?;
    Ok(HttpResponse::Created().json(shown_one(&state, record).await?))
}

pub async fn get(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let missing = ApiError::NotFound(format!("unknown Jira instance {reference}"));
    let record = state.store.run(move |store| instances::resolve(store, &reference)).await?.ok_or(missing)?;
    Ok(HttpResponse::Ok().json(shown_one(&state, record).await?))
}

/// What `PATCH /api/v1/instances/{ref}` may change: [`instances::InstancePatch`], and a Cloud
/// instance's OAuth 2.0 client (SPEC §7.1).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    alias: Option<String>,
    is_default: Option<bool>,
    is_v2_legacy: Option<bool>,
    oauth2_client_id: Option<String>,
    oauth2_client_secret: Option<String>,
}

pub async fn patch(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    body: web::Json<Patch>,
) -> Result<HttpResponse, ApiError> {
    let (reference, body, base) = (reference.into_inner(), body.into_inner(), state.config().public_base_url());
    let key = state.master_key.clone();
    let patch =
        instances::InstancePatch { alias: body.alias, is_default: body.is_default, is_v2_legacy: body.is_v2_legacy };
    let updated = state
        .store
        .run(move |store| {
            let mut updated = instances::change(store, &reference, patch, "api", &base)?;
            if body.oauth2_client_id.is_some() || body.oauth2_client_secret.is_some() {
                let (id, secret) = (body.oauth2_client_id, body.oauth2_client_secret);
                updated = instances::set_oauth2_client(store, &key, updated.id.as_str(), id, secret, "api")?;
            }
            Ok::<_, ApiError>(updated)
        })
        .await?;
    Ok(HttpResponse::Ok().json(shown_one(&state, updated).await?))
}

pub async fn delete(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (reference, base) = (reference.into_inner(), state.config().public_base_url());
    let removed = state.store.run(move |store| instances::remove(store, &reference, "api", &base)).await?;
    state.connections.forget_instance(removed.id.as_str());
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
/// §6.9): what Jira lists with the admin credentials, and what its payloads showed.
pub async fn catalog(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = reference.into_inner();
    let found = state.store.run(move |store| instances::resolve(store, &reference)).await?;
    let instance = found.ok_or_else(|| ApiError::NotFound("unknown Jira instance".into()))?;
    let auth = crate::jira::auth::JiraAuth::admin(&state.config());
    let wait = crate::subscriptions::catalog_listed::API_WAITS_AT_MOST;
    let listed = state.listed_catalog.listed(&instance, auth.as_ref(), wait).await;
    let id = instance.id.clone();
    let learned = state.store.run(move |store| crate::subscriptions::catalog::learned(store, id.as_str())).await?;
    let entries = crate::subscriptions::catalog_listed::merged(learned, listed);
    Ok(HttpResponse::Ok().json(crate::subscriptions::catalog::as_json(&entries)))
}
