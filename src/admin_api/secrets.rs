//! `/api/v1/secrets/*`: regenerate the webhook secret or the admin API token. Each new
//! value is in the answer and nowhere else (not in logs, not in the audit log).

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::secrets::{webhook as secret, RegenerateError};
use crate::store::Store;
use crate::utc::now_ms;
use crate::web::AppState;

impl From<RegenerateError> for ApiError {
    fn from(e: RegenerateError) -> Self {
        match e {
            RegenerateError::Pinned { .. } => ApiError::Conflict(e.to_string()),
            RegenerateError::Store(s) => s.into(),
        }
    }
}

pub async fn webhook(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let shared = state.clone();
    let regenerate = move |store: &Store| {
        secret::regenerate(&shared.settings, store, &shared.master_key, &shared.secrets, "api", now_ms())
    };
    let new = state.store.run(regenerate).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "secret": new.secret, "previous_valid_until": new.previous_valid_until_ms })))
}

pub async fn admin_token(_: AdminAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let shared = state.clone();
    let regenerate = move |store: &Store| {
        let (settings, key, in_force) = (&shared.settings, &shared.master_key, &shared.admin_token_hash);
        crate::secrets::admin_token::regenerate(settings, store, key, in_force, "api", now_ms())
    };
    let token = state.store.run(regenerate).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({ "token": token })))
}
