//! `/api/v1/secrets/*`: regenerate the webhook secret or the admin API token. Each new
//! value is in the answer and nowhere else (not in logs, not in the audit log).

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::delivery::worker::now_ms;
use crate::web::AppState;
use crate::webhook::secret::{self, RegenerateError};

impl From<RegenerateError> for ApiError {
    fn from(e: RegenerateError) -> Self {
        match e {
            RegenerateError::Pinned { .. } => ApiError::Conflict(e.to_string()),
            RegenerateError::Store(s) => s.into(),
        }
    }
}

pub async fn webhook(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let new = secret::regenerate(&state.settings, &state.store, &state.master_key, &state.secrets, "api", now_ms())?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "secret": new.secret, "previous_valid_until": new.previous_valid_until_ms })))
}

pub async fn admin_token(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (settings, store, key) = (&state.settings, &state.store, &state.master_key);
    let token = super::token::regenerate(settings, store, key, &state.admin_token_hash, "api", now_ms())?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({ "token": token })))
}
