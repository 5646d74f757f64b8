//! `/api/v1/settings`: every setting with its value and source; PATCH changes R keys.

use actix_web::{web, HttpResponse};
use serde_json::{Map, Value};

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::live_config::SettingsError;
use crate::web::AppState;

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::Invalid(fields) => ApiError::Validation(fields),
            SettingsError::Pinned { .. } => ApiError::Conflict(e.to_string()),
            SettingsError::Store(s) => s.into(),
        }
    }
}

pub async fn list(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.setting_entries().await?))
}

/// `{"key": value, …}`; `null` returns a key to its default.
pub async fn patch(
    _: AdminAuth,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let changes: Vec<(String, Value)> = body.into_inner().into_iter().collect();
    if changes.is_empty() {
        return Err(ApiError::BadRequest("give at least one setting, as {\"section.key\": value}".into()));
    }
    if let Some(address) = crate::web::client::changes_lock_out(&req, &state.config(), &changes) {
        return Err(ApiError::field("admin.allow_from", crate::web::client::lockout_message(&address)));
    }
    // Settings::update stores the change: on a blocking thread, with the store's deadline.
    let shared = state.clone();
    let entries = state.store.run(move |_| shared.settings.update(&changes, "api")).await?;
    Ok(HttpResponse::Ok().json(entries))
}
