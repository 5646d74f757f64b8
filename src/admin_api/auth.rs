//! `AdminAuth`: an extractor in each API handler's signature, so a handler cannot forget
//! the check. Compares the bearer token's SHA-256 in constant time.

use std::future::{ready, Ready};

use actix_web::{web, FromRequest, HttpRequest};

use super::error::ApiError;
use crate::secrets::admin_token::hash;
use crate::secrets::verify::constant_time_eq;
use crate::web::client::bearer_token;
use crate::web::AppState;

/// Proof that the request carried the admin API token.
pub struct AdminAuth;

impl FromRequest for AdminAuth {
    type Error = ApiError;
    type Future = Ready<Result<AdminAuth, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(check(req))
    }
}

fn check(req: &HttpRequest) -> Result<AdminAuth, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or(ApiError::Unauthorized)?;
    let token = bearer_token(req).ok_or(ApiError::Unauthorized)?;
    if constant_time_eq(&hash(token), &state.admin_token_hash()) {
        Ok(AdminAuth)
    } else {
        Err(ApiError::Unauthorized)
    }
}
