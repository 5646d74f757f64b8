//! Mattermost's error replies: the AppError JSON of every error status, and the bare 429.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use super::ids::new_id;

/// `{"id","message","detailed_error","request_id","status_code","is_oauth"}`, as the server
/// sends it.
#[derive(Debug)]
pub(super) struct AppError {
    status: u16,
    id: String,
    message: String,
}

impl AppError {
    pub fn new(status: u16, id: &str, message: &str) -> Self {
        AppError { status, id: id.to_owned(), message: message.to_owned() }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.message)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = new_id();
        HttpResponse::build(self.status_code()).insert_header(("X-Request-Id", request_id.as_str())).json(json!({
            "id": self.id,
            "message": self.message,
            "detailed_error": "",
            "request_id": request_id,
            "status_code": self.status,
            "is_oauth": false,
        }))
    }
}

/// The rate limiter answers before the API layer, hence plain text instead of an AppError.
pub(super) fn rate_limited(retry_after_secs: u64) -> HttpResponse {
    let secs = retry_after_secs.to_string();
    HttpResponse::TooManyRequests()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("X-RateLimit-Limit", "10"))
        .insert_header(("X-RateLimit-Remaining", "0"))
        .insert_header(("X-RateLimit-Reset", secs.as_str()))
        .insert_header(("Retry-After", secs.as_str()))
        .body("limit exceeded\n")
}

/// The AppError for an injected `Failure::Status`, with the id the server would use.
pub(super) fn injected(status: u16) -> AppError {
    match status {
        401 => session_expired(),
        403 => forbidden(),
        404 => unknown_route(),
        413 => AppError::new(413, "api.context.request_body_too_large.app_error", "Request body too large."),
        _ => AppError::new(
            status,
            "api.context.unexpected_error.app_error",
            "An internal error occurred. Please try again.",
        ),
    }
}

pub(super) fn session_expired() -> AppError {
    AppError::new(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
}

pub(super) fn forbidden() -> AppError {
    AppError::new(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
}

pub(super) fn unknown_route() -> AppError {
    AppError::new(404, "api.context.404.app_error", "Sorry, we could not find the page.")
}

pub(super) fn invalid_url_param(name: &str) -> AppError {
    let message = format!("Invalid or missing {name} parameter in request URL.");
    AppError::new(400, "api.context.invalid_url_param.app_error", &message)
}

pub(super) fn invalid_body_param(name: &str) -> AppError {
    let message = format!("Invalid or missing {name} in request body.");
    AppError::new(400, "api.context.invalid_body_param.app_error", &message)
}

pub(super) fn invalid_param(name: &str) -> AppError {
    let message = format!("Invalid {name} parameter.");
    AppError::new(400, "api.context.invalid_param.app_error", &message)
}

pub(super) fn unknown_channel() -> AppError {
    AppError::new(404, "app.channel.get.existing.app_error", "Unable to find the existing channel.")
}

pub(super) fn unknown_channel_name() -> AppError {
    AppError::new(404, "app.channel.get_by_name.missing.app_error", "Channel does not exist.")
}
