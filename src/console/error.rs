//! What can go wrong on a console page, and the page or redirect each answer is.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// No valid session: go to the sign-in page, then come back to `next`.
    #[error("please sign in")]
    SignInRequired { next: String },
    #[error("This form has expired or did not come from this console. Go back, reload the page and try again.")]
    BadCsrf,
    #[error("Too many wrong passwords. Try again in {minutes} minute(s).")]
    TooManyAttempts { retry_after_secs: u64, minutes: u64 },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Something went wrong on the server; the details are in jirabridge's log.")]
    Internal(String),
    /// The store did not answer within its deadline (e.g. a full disk hangs it).
    #[error(
        "The database did not answer in time. Please try again in a moment. A change you just made may \
         still have been saved, so look before making it again."
    )]
    StoreTooSlow(String),
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Deadline | StoreError::FlushTimeout => ConsoleError::StoreTooSlow(e.to_string()),
            e => ConsoleError::Internal(e.to_string()),
        }
    }
}

impl From<askama::Error> for ConsoleError {
    fn from(e: askama::Error) -> Self {
        ConsoleError::Internal(format!("template: {e}"))
    }
}

impl ResponseError for ConsoleError {
    fn status_code(&self) -> StatusCode {
        match self {
            ConsoleError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            ConsoleError::BadCsrf => StatusCode::FORBIDDEN,
            ConsoleError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ConsoleError::NotFound(_) => StatusCode::NOT_FOUND,
            ConsoleError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ConsoleError::Internal(_) | ConsoleError::StoreTooSlow(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ConsoleError::SignInRequired { next } => {
                let location = format!(
                    "/admin/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
            }
            other => {
                if let ConsoleError::Internal(cause) | ConsoleError::StoreTooSlow(cause) = other {
                    tracing::error!(%cause, "admin console request failed");
                }
                let mut response = HttpResponse::build(other.status_code());
                if let ConsoleError::TooManyAttempts { retry_after_secs, .. } = other {
                    response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
                }
                super::page::with_security_headers(&mut response);
                response
                    .content_type("text/html; charset=utf-8")
                    .body(super::page::error_page(other.status_code(), &other.to_string()))
            }
        }
    }
}
