//! `/admin/deliveries`: the outbox. Pending, retrying, dead and done posts, with the last
//! error, and "retry now" for dead or retrying ones.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::events::DeliveryRow;
use super::page::{render, when, Chrome};
use super::session::SignedIn;
use super::Notice;
use crate::store::records::TargetRecordV1;
use crate::store::DueDelivery;
use crate::web::AppState;

const SHOWN: usize = 300;
const STATES: &[&str] = &["pending", "in_flight", "retrying", "dead", "done"];

#[derive(serde::Deserialize, Default)]
pub struct StateFilter {
    #[serde(default)]
    state: String,
    #[serde(default)]
    notice: String,
}

#[derive(Template)]
#[template(path = "console/deliveries.html")]
struct DeliveriesPage {
    chrome: Chrome,
    state: String,
    states: &'static [&'static str],
    rows: Vec<ListRow>,
}

struct ListRow {
    row: DeliveryRow,
    event_id: u64,
    created: String,
    due: String,
    retryable: bool,
}

impl DeliveriesPage {
    fn is_state(&self, state: &str) -> bool {
        self.state == state
    }
}

pub fn row(d: &DueDelivery) -> DeliveryRow {
    let target = match &d.record.target {
        TargetRecordV1::ChannelId(id) => format!("channel {id}"),
        TargetRecordV1::ChannelName { team, channel } => format!("{team}/{channel}"),
    };
    DeliveryRow {
        id: d.id,
        target,
        state: d.record.state.clone(),
        attempts: d.record.attempts,
        error: d.record.last_error.clone().unwrap_or_default(),
    }
}

pub async fn list(
    admin: SignedIn,
    state: web::Data<AppState>,
    filter: web::Query<StateFilter>,
) -> Result<HttpResponse, ConsoleError> {
    let filter = filter.into_inner();
    let wanted = STATES.iter().find(|s| **s == filter.state).copied().unwrap_or("");
    let rows = state
        .store
        .recent_deliveries(0, usize::MAX)?
        .into_iter()
        .filter(|d| wanted.is_empty() || d.record.state == wanted)
        .take(SHOWN)
        .map(|d| ListRow {
            event_id: d.record.event_id,
            created: when(d.record.created_at_ms),
            due: if matches!(d.record.state.as_str(), "done" | "dead") {
                String::new()
            } else {
                when(d.record.due_at_ms)
            },
            retryable: matches!(d.record.state.as_str(), "dead" | "retrying"),
            row: row(&d),
        })
        .collect();
    let notice = Notice { notice: filter.notice }.text();
    let page = DeliveriesPage {
        chrome: Chrome::new(&admin, "/admin/deliveries", "Deliveries").with_notice(notice),
        state: wanted.to_string(),
        states: STATES,
        rows,
    };
    render(&page)
}
