//! `/admin/events`: the event log. Search by issue key, project and event kind; one event
//! shows its raw payload, the post it renders to, and its deliveries; "replay" routes it
//! again. Uses `ingest::search` and `Ingest::replay`, as `/api/v1/events` does.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::deliveries::{delivery_row, name_channels, DeliveryRow};
use super::error::ConsoleError;
use super::page::{parse_day, render, see_other, Chrome};
use super::session::{SignedIn, SignedPost};
use super::Notice;
use crate::events::normalize::normalize;
use crate::events::render::{render as render_post, RenderOptions};
use crate::ingest::replay::ReplayError;
use crate::ingest::search::{self as log, EventDetail, EventQuery};
use crate::jira::webhook_fields::Webhook;
use crate::web::AppState;

/// Rows a search shows.
const SHOWN: usize = 200;

#[derive(serde::Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    issue_key: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    kind: String,
    /// `YYYY-MM-DD`: events received on or after that day (UTC).
    #[serde(default)]
    since: String,
}

#[derive(Template)]
#[template(path = "console/events.html")]
struct EventsPage {
    chrome: Chrome,
    search: Search,
    since_error: Option<String>,
    rows: Vec<EventRow>,
}

struct EventRow {
    id: u64,
    at: super::page::Moment,
    source: String,
    issue_key: String,
    project: String,
    /// In words ("Issue created, Status changed"), with the codes the search takes beside.
    events: String,
    codes: String,
    status: String,
}

/// An event code as an admin reads it (SPEC §6.9): "Status changed", or "<field> changed"
/// for a custom field.
fn in_words(code: &str) -> String {
    match crate::subscriptions::words::event_words(code) {
        Some(words) => words.to_string(),
        None => {
            code.strip_prefix("event_updated_").map_or_else(|| code.to_string(), |field| format!("{field} changed"))
        }
    }
}

/// Codes in words, by comma.
fn all_in_words(codes: &[String]) -> String {
    codes.iter().map(|code| in_words(code)).collect::<Vec<_>>().join(", ")
}

pub async fn list(
    admin: SignedIn,
    state: web::Data<AppState>,
    search: web::Query<Search>,
) -> Result<HttpResponse, ConsoleError> {
    let search = search.into_inner();
    let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let since_ms = given(&search.since).map(|day| parse_day(&day));
    let since_error =
        matches!(since_ms, Some(None)).then(|| "Give a day as YYYY-MM-DD, such as 2026-11-25.".to_string());
    // A text that is no issue key finds no event (see `wanted_issue`).
    let issue_key = log::wanted_issue(Some(&search.issue_key));
    let query = EventQuery {
        issue_key: issue_key.clone().unwrap_or_default(),
        project: given(&search.project),
        kind: given(&search.kind),
        since_ms: since_ms.flatten(),
        limit: Some(SHOWN),
    };
    let found = match (since_error.is_some(), issue_key.is_err()) {
        (false, false) => state.store.run(move |store| log::search(store, &query)).await?,
        _ => Vec::new(),
    };
    let rows = found
        .into_iter()
        .map(|e| EventRow {
            id: e.id,
            at: super::page::moment(e.received_at_ms),
            source: e.source,
            issue_key: e.issue_key,
            project: e.project,
            events: if e.events.is_empty() { e.webhook_event.clone() } else { all_in_words(&e.events) },
            codes: if e.events.is_empty() { e.webhook_event } else { e.events.join(", ") },
            status: e.status.to_string(),
        })
        .collect();
    render(&EventsPage { chrome: Chrome::new(&admin, "/admin/events", "Events"), search, since_error, rows })
}

#[derive(Template)]
#[template(path = "console/event.html")]
struct EventPage {
    chrome: Chrome,
    id: u64,
    /// The event's codes in words, with the code beside each.
    events_in_words: Vec<(String, String)>,
    at: super::page::Moment,
    event: EventDetail,
    payload: String,
    preview: Option<Preview>,
    deliveries: Vec<DeliveryRow>,
    /// Subscriptions of the event's instance that left it out: (name, channel id, why).
    left_out: Vec<(String, String, String)>,
}

/// The post an event renders to: as HTML for reading (escaped, see `markdown`), and as the
/// JSON Mattermost would receive.
struct Preview {
    html: String,
    json: String,
}

fn preview(state: &AppState, payload: &serde_json::Value) -> Option<Preview> {
    let bytes = serde_json::to_vec(payload).ok()?;
    let parsed = normalize(&Webhook::parse(&bytes).ok()?)?;
    let options = RenderOptions {
        hide_description_comment: state.config().mattermost.hide_description_comment,
        subscription_name: None,
    };
    let post = render_post(&parsed, &options);
    let mut markdown = format!("{}\n\n{}\n", post.headline, post.text);
    for (title, value, _) in &post.fields {
        markdown.push_str(&format!("\n**{title}**\n{value}\n"));
    }
    Some(Preview {
        html: super::markdown::to_html(&markdown),
        json: serde_json::to_string_pretty(&post.to_json()).unwrap_or_default(),
    })
}

pub async fn show(
    admin: SignedIn,
    state: web::Data<AppState>,
    id: web::Path<u64>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    let event = state.store.run(move |store| log::detail(store, id)).await?.ok_or_else(|| {
        ConsoleError::NotFound(format!("Event #{id} is not stored (it may be older than store.event_retention_days)."))
    })?;
    let settings = crate::subscriptions::matching::MatchSettings::from_config(&state.config());
    let mut left_out = Vec::new();
    for (name, channel, why) in
        state.store.run(move |store| crate::subscriptions::service::left_out_by(store, id, settings)).await?
    {
        let shown = state.channel_names.display(&state.mattermost, channel.as_str()).await;
        left_out.push((name, shown.unwrap_or_else(|| channel.to_string()), why));
    }
    let mut deliveries: Vec<DeliveryRow> = event.deliveries.iter().map(delivery_row).collect();
    name_channels(&state, &mut deliveries).await;
    let payload = match &event.payload {
        serde_json::Value::String(text) => text.clone(),
        json => serde_json::to_string_pretty(json).unwrap_or_default(),
    };
    let page = EventPage {
        chrome: Chrome::new(&admin, "/admin/events", format!("Event #{id}")).with_notice(notice.text()),
        id,
        events_in_words: event.summary.events.iter().map(|code| (in_words(code), code.clone())).collect(),
        at: super::page::moment(event.summary.received_at_ms),
        preview: preview(&state, &event.payload),
        deliveries,
        left_out,
        payload,
        event,
    };
    render(&page)
}

/// Routes the stored event again, as if it had just arrived (no duplicate check).
pub async fn replay(
    state: web::Data<AppState>,
    post: SignedPost,
    id: web::Path<u64>,
) -> Result<HttpResponse, ConsoleError> {
    let id = id.into_inner();
    match state.ingest.replay(id, state.subscriptions.clone(), &post.admin.username).await {
        Ok(ids) if ids.is_empty() => Ok(see_other(&format!("/admin/events/{id}?notice=event_replayed_nowhere"))),
        Ok(_) => Ok(see_other(&format!("/admin/events/{id}?notice=event_replayed"))),
        Err(ReplayError::NotFound(_)) => Err(ConsoleError::NotFound(format!("Event #{id} is not stored any more."))),
        Err(ReplayError::Store(e)) => Err(e.into()),
        // Said on the event's own page, which stays in reach.
        Err(ReplayError::StillPending(_)) => Ok(see_other(&format!("/admin/events/{id}?notice=event_still_pending"))),
        Err(ReplayError::NoTarget(_)) => Ok(see_other(&format!("/admin/events/{id}?notice=event_no_target"))),
        Err(e @ ReplayError::Unreadable(..)) => Err(ConsoleError::BadRequest(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_codes_read_as_words() {
        let codes = ["event_created".to_string(), "event_updated_customfield_10016".to_string(), "odd".to_string()];
        assert_eq!(all_in_words(&codes), "Issue created, customfield_10016 changed, odd");
    }
}
