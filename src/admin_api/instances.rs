//! `/api/v1/instances`: list, add, show, remove Jira instances.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::delivery::worker::now_ms;
use crate::instances::{self, InstanceContext, InstanceError, NewInstance};
use crate::store::records::AuditRecordV1;
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
    let all: Vec<_> = state.store.instances()?.iter().map(|i| instances::to_json(i, &base)).collect();
    Ok(HttpResponse::Ok().json(all))
}

pub async fn create(
    _: AdminAuth,
    state: web::Data<AppState>,
    query: web::Query<AddQuery>,
    body: web::Json<NewInstance>,
) -> Result<HttpResponse, ApiError> {
    let config = state.config();
    let ctx = InstanceContext {
        store: &state.store,
        mattermost_url: &config.mattermost.url,
        push_only: config.jira.push_only,
        timeout: std::time::Duration::from_secs(config.jira.request_timeout_secs),
    };
    let record = instances::add(&ctx, body.into_inner(), query.skip_check, now_ms()).await?;
    let shown = instances::to_json(&record, &state.config().public_base_url());
    audit(&state, "instance.add", &record.id, None, Some(&shown))?;
    Ok(HttpResponse::Created().json(shown))
}

pub async fn get(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = find(&state, &reference)?;
    Ok(HttpResponse::Ok().json(instances::to_json(&record, &state.config().public_base_url())))
}

pub async fn patch(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    body: web::Json<instances::InstancePatch>,
) -> Result<HttpResponse, ApiError> {
    let record = find(&state, &reference)?;
    let base = state.config().public_base_url();
    let before = instances::to_json(&record, &base);
    let updated = instances::update(&state.store, record, body.into_inner())?;
    let after = instances::to_json(&updated, &base);
    audit(&state, "instance.update", &updated.id, Some(&before), Some(&after))?;
    Ok(HttpResponse::Ok().json(after))
}

pub async fn delete(
    _: AdminAuth,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = find(&state, &reference)?;
    state.store.delete_instance(&record.id)?;
    let before = instances::to_json(&record, &state.config().public_base_url());
    audit(&state, "instance.remove", &record.id, Some(&before), None)?;
    Ok(HttpResponse::NoContent().finish())
}

fn find(state: &AppState, reference: &str) -> Result<crate::store::records::InstanceRecordV1, ApiError> {
    instances::resolve(&state.store, reference)?
        .ok_or_else(|| ApiError::NotFound(format!("unknown Jira instance {reference}")))
}

/// Records an API change in the audit log.
pub fn audit(
    state: &AppState,
    action: &str,
    target: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<(), ApiError> {
    Ok(audit_as(state, "api", action, target, before, after)?)
}

/// Records a change by `actor` (`api`, a console admin's name) in the audit log.
pub fn audit_as(
    state: &AppState,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<(), crate::store::StoreError> {
    let entry = AuditRecordV1 {
        at_ms: now_ms(),
        actor: actor.into(),
        action: action.into(),
        target: target.into(),
        before: before.map(|v| v.to_string()),
        after: after.map(|v| v.to_string()),
    };
    state.store.audit(&entry)
}
