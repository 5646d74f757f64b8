//! `/admin/events`: the event log. Search by issue key, project and event kind; one event
//! shows its raw payload, the post it renders to, and its deliveries.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, when, Chrome};
use super::session::SignedIn;
use super::Notice;
use crate::events::normalize::normalize;
use crate::events::render::{render as render_post, RenderOptions};
use crate::jira::payload::Payload;
use crate::store::records::EventRecordV1;
use crate::web::AppState;

/// How many of the newest events a search looks through, and how many rows it shows.
const SEARCHED: usize = 5000;
const SHOWN: usize = 200;

#[derive(serde::Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    issue_key: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    kind: String,
}

impl Search {
    fn matches(&self, event: &EventRecordV1) -> bool {
        let key = self.issue_key.trim();
        let project = self.project.trim();
        let kind = self.kind.trim();
        (key.is_empty() || event.issue_key.eq_ignore_ascii_case(key))
            && (project.is_empty() || event.project_key.eq_ignore_ascii_case(project))
            && (kind.is_empty() || event.events.iter().any(|e| e == kind) || event.webhook_event == kind)
    }
}

#[derive(Template)]
#[template(path = "console/events.html")]
struct EventsPage {
    chrome: Chrome,
    search: Search,
    rows: Vec<EventRow>,
    searched: usize,
}

struct EventRow {
    id: u64,
    at: String,
    source: String,
    issue_key: String,
    project: String,
    events: String,
    status: String,
}

pub async fn list(
    admin: SignedIn,
    state: web::Data<AppState>,
    search: web::Query<Search>,
) -> Result<HttpResponse, ConsoleError> {
    let search = search.into_inner();
    let recent = state.store.recent_events(SEARCHED)?;
    let searched = recent.len();
    let rows = recent
        .into_iter()
        .filter(|(_, e)| search.matches(e))
        .take(SHOWN)
        .map(|(id, e)| EventRow {
            id,
            at: when(e.received_at_ms),
            source: e.source,
            issue_key: e.issue_key,
            project: e.project_key,
            events: if e.events.is_empty() { e.webhook_event } else { e.events.join(", ") },
            status: e.status,
        })
        .collect();
    render(&EventsPage { chrome: Chrome::new(&admin, "/admin/events", "Events"), search, rows, searched })
}

#[derive(Template)]
#[template(path = "console/event.html")]
struct EventPage {
    chrome: Chrome,
    id: u64,
    at: String,
    event: EventRecordV1,
    payload: String,
    preview: Option<Preview>,
    deliveries: Vec<DeliveryRow>,
}

/// The post an event renders to, as Mattermost would receive it.
struct Preview {
    headline: String,
    text: String,
    fields: Vec<(String, String)>,
    json: String,
}

pub struct DeliveryRow {
    pub id: u64,
    pub target: String,
    pub state: String,
    pub attempts: u32,
    pub error: String,
}

fn preview(state: &AppState, raw: &[u8]) -> Option<Preview> {
    let payload = Payload::parse(raw).ok()?;
    let parsed = normalize(&payload)?;
    let options = RenderOptions {
        hide_description_comment: state.config().mattermost.hide_description_comment,
        subscription_name: None,
    };
    let post = render_post(&parsed, &options);
    Some(Preview {
        json: serde_json::to_string_pretty(&post.to_json()).unwrap_or_default(),
        headline: post.headline,
        text: post.text,
        fields: post.fields.into_iter().map(|(title, value, _)| (title, value)).collect(),
    })
}

/// The deliveries made for `event_id` (retained ones), oldest first.
fn deliveries_of(state: &AppState, event_id: u64) -> Result<Vec<DeliveryRow>, ConsoleError> {
    let mut rows: Vec<DeliveryRow> = state
        .store
        .recent_deliveries(0, usize::MAX)?
        .into_iter()
        .filter(|d| d.record.event_id == event_id)
        .map(|d| super::deliveries::row(&d))
        .collect();
    rows.reverse();
    Ok(rows)
}

pub async fn show(
    admin: SignedIn,
    state: web::Data<AppState>,
    id: web::Path<u64>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    let event = state.store.event(id)?.ok_or_else(|| {
        ConsoleError::NotFound(format!("Event #{id} is not stored (it may be older than store.event_retention_days)."))
    })?;
    let payload = serde_json::from_slice::<serde_json::Value>(&event.raw_body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(&event.raw_body).into_owned());
    let page = EventPage {
        chrome: Chrome::new(&admin, "/admin/events", format!("Event #{id}")).with_notice(notice.text()),
        id,
        at: when(event.received_at_ms),
        preview: preview(&state, &event.raw_body),
        deliveries: deliveries_of(&state, id)?,
        payload,
        event,
    };
    render(&page)
}
