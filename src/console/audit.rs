//! `/admin/audit`: who changed what, newest first.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, Chrome};
use super::session::SignedIn;
use crate::web::AppState;

const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<AuditRow>,
}

struct AuditRow {
    at: super::page::Moment,
    actor: String,
    action: String,
    target: String,
    before: String,
    after: String,
}

/// Pretty JSON for a stored before/after text (shown as is when it is not JSON).
fn pretty(text: Option<&String>) -> String {
    let Some(text) = text else { return String::new() };
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.clone())
}

pub async fn page(admin: SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    let entries = state
        .store
        .run(|store| store.audit_entries(0, SHOWN))
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: super::page::moment(e.at_ms),
            before: pretty(e.before.as_ref()),
            after: pretty(e.after.as_ref()),
            actor: e.actor,
            action: e.action,
            target: e.target,
        })
        .collect();
    render(&AuditPage { chrome: Chrome::new(&admin, "/admin/audit", "Audit log"), entries })
}
