//! API errors as JSON: `{"error":{"code","message","fields"?}}`, one status per code.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("a valid admin API token is required: Authorization: Bearer <admin.api_token>")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request is not valid")]
    Validation(BTreeMap<String, String>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("this address may not use jirabridge's admin API (admin.allow_from)")]
    Forbidden,
    #[error("this path does not take that method; docs/API.md lists what each path takes")]
    MethodNotAllowed,
    #[error("{0}")]
    JiraUnreachable(String),
    /// Mattermost did not do what was asked (other than refusing it, which is a conflict).
    #[error("{0}")]
    MattermostFailed(String),
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// One invalid field.
    pub fn field(path: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(BTreeMap::from([(path.to_string(), message.into())]))
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::Validation(_) | ApiError::BadRequest(_) => "validation_failed",
            ApiError::TooLarge(_) => "payload_too_large",
            ApiError::Forbidden => "forbidden",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::JiraUnreachable(_) => "jira_unreachable",
            ApiError::MattermostFailed(_) => "mattermost_failed",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Validation(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::JiraUnreachable(_) | ApiError::MattermostFailed(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(%cause, "admin API request failed");
        }
        let mut error = json!({ "code": self.code(), "message": self.to_string() });
        if let ApiError::Validation(fields) = self {
            error["fields"] = json!(fields);
        }
        HttpResponse::build(self.status_code()).json(json!({ "error": error }))
    }
}
