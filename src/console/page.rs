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

/// A time as people read it: "3 min ago" (or "in 2 h"), with the exact UTC time to show on
/// hover and the ISO form for `<time datetime>`.
pub struct Moment {
    pub ago: String,
    pub utc: String,
    pub iso: String,
}

/// `ms` (since the epoch) against the clock now.
pub fn moment(ms: u64) -> Moment {
    moment_at(ms, crate::utc::now_ms())
}

fn moment_at(ms: u64, now_ms: u64) -> Moment {
    let utc = when(ms);
    let iso = utc.trim_end_matches(" UTC").replacen(' ', "T", 1) + "Z";
    let (past, secs) = if now_ms >= ms { (true, (now_ms - ms) / 1000) } else { (false, (ms - now_ms) / 1000) };
    let span = match secs {
        0..=59 => return Moment { ago: "just now".into(), utc, iso },
        60..=3_599 => format!("{} min", secs / 60),
        3_600..=172_799 => format!("{} h", secs / 3_600),
        172_800..=5_183_999 => format!("{} days", secs / 86_400),
        _ => return Moment { ago: utc[..10].to_string(), utc, iso },
    };
    let ago = if past { format!("{span} ago") } else { format!("in {span}") };
    Moment { ago, utc, iso }
}

/// `text` with its first letter upper-cased, for a message that starts a sentence.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A bare page for errors (no navigation: the visitor may not be signed in).
pub fn error_page(status: StatusCode, message: &str) -> String {
    let page = ErrorPage { status: status.as_u16(), reason: status.canonical_reason().unwrap_or("Error"), message };
    page.render().unwrap_or_else(|_| message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_how_long_ago_with_the_utc_time_beside() {
        let now = 1_764_950_400_000; // 2025-12-05 16:00 UTC
        let ago = |secs: u64| moment_at(now - secs * 1000, now).ago;
        assert_eq!(ago(5), "just now");
        assert_eq!(ago(180), "3 min ago");
        assert_eq!(ago(3 * 3600), "3 h ago");
        assert_eq!(ago(3 * 86_400), "3 days ago");
        assert_eq!(ago(90 * 86_400), "2025-09-06");
        assert_eq!(moment_at(now + 7_200_000, now).ago, "in 2 h");
        let exact = moment_at(now - 180_000, now);
        assert_eq!((exact.utc.as_str(), exact.iso.as_str()), ("2025-12-05 15:57:00 UTC", "2025-12-05T15:57:00Z"));
    }
}
