//! What every console page shares: the frame (navigation, signed-in user, CSRF token,
//! notices), rendering a template into a response with the console's security headers, and
//! small display helpers.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};
use askama::Template;

use super::error::ConsoleError;
use super::session::SignedIn;

/// The console's sections, in navigation order: (path, label).
pub const NAV: &[(&str, &str)] = &[
    ("/admin/", "Dashboard"),
    ("/admin/settings", "Settings"),
    ("/admin/mattermost", "Mattermost"),
    ("/admin/instances", "Jira instances"),
    ("/admin/secrets", "Secrets"),
    ("/admin/admins", "Admins"),
    ("/admin/webhook-urls", "Webhook URLs"),
    ("/admin/subscriptions", "Subscriptions"),
    ("/admin/events", "Events"),
    ("/admin/deliveries", "Deliveries"),
    ("/admin/audit", "Audit log"),
];

/// The frame around a page.
pub struct Chrome {
    pub title: String,
    /// Path of the active navigation entry.
    pub active: &'static str,
    pub username: String,
    pub csrf_token: String,
    /// A one-line confirmation ("Subscription saved.").
    pub notice: Option<String>,
    /// A page-level error; field errors are shown next to their fields.
    pub error: Option<String>,
}

impl Chrome {
    pub fn new(admin: &SignedIn, active: &'static str, title: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            active,
            username: admin.username.clone(),
            csrf_token: admin.csrf_token.clone(),
            notice: None,
            error: None,
        }
    }

    pub fn is_active(&self, path: &str) -> bool {
        self.active == path
    }

    pub fn nav(&self) -> &'static [(&'static str, &'static str)] {
        NAV
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Chrome {
        self.notice = notice;
        self
    }
}

/// "set in the config file" / "set in the environment" for a key the console cannot change
/// because the file or the environment sets it; `None` when the console may.
pub fn pinned_by(source: crate::config::Source) -> Option<String> {
    source
        .pins()
        .then(|| format!("set in the {}", if source.as_str() == "env" { "environment" } else { "config file" }))
}

/// Headers on every console response: no framing, no caching of pages that show secrets,
/// no referrer (URLs can carry the webhook secret), and only our own scripts and styles.
pub fn with_security_headers(response: &mut HttpResponseBuilder) {
    response
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
}

/// Renders `page` with `status`.
pub fn render_status(status: StatusCode, page: &impl Template) -> Result<HttpResponse, ConsoleError> {
    let body = page.render()?;
    let mut response = HttpResponse::build(status);
    with_security_headers(&mut response);
    Ok(response.content_type("text/html; charset=utf-8").body(body))
}

pub fn render(page: &impl Template) -> Result<HttpResponse, ConsoleError> {
    render_status(StatusCode::OK, page)
}

/// 303 to `location` (after a successful POST).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
}

pub use crate::utc::{day, parse_day, when};

/// A bare page for errors (no navigation: the visitor may not be signed in).
pub fn error_page(status: StatusCode, message: &str) -> String {
    let page = ErrorPage { status: status.as_u16(), reason: status.canonical_reason().unwrap_or("Error"), message };
    page.render().unwrap_or_else(|_| message.to_string())
}
