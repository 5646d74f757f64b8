//! `/admin/deliveries`: the outbox. Pending, retrying, dead and done posts with the last
//! error, and "retry now" for dead or retrying ones. Uses `delivery::outbox`, as
//! `/api/v1/deliveries` does.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, see_other, Chrome};
use super::session::{SignedIn, SignedPost};
use super::Notice;
use crate::delivery::outbox::{self, DeliverySummary, RetryError};
use crate::store::records::DeliveryState;
use crate::utc::now_ms;
use crate::web::AppState;

const SHOWN: usize = 300;

#[derive(serde::Deserialize, Default)]
pub struct StateFilter {
    #[serde(default)]
    state: String,
    /// One delivery only (the dashboard's and the event page's links): found however old,
    /// where the list shows the newest [`SHOWN`].
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    notice: String,
}

#[derive(Template)]
#[template(path = "console/deliveries.html")]
struct DeliveriesPage {
    chrome: Chrome,
    state: String,
    states: &'static [DeliveryState],
    /// The one delivery asked for by id, if any.
    one: Option<u64>,
    rows: Vec<DeliveryRow>,
}

impl DeliveriesPage {
    fn is_state(&self, state: &DeliveryState) -> bool {
        self.state == state.as_str()
    }
}

/// One delivery as a table row.
pub struct DeliveryRow {
    pub id: u64,
    pub event_id: u64,
    pub channel: String,
    /// "Team / Channel" when the channel is an id Mattermost can name.
    pub channel_display: Option<String>,
    pub state: DeliveryState,
    /// The state in words: "Waiting", "Sending", "Retrying in 2 min", "Posted", "Gave up".
    pub state_words: String,
    pub attempts: u32,
    pub created: super::page::Moment,
    pub due: Option<super::page::Moment>,
    pub error: String,
    pub retryable: bool,
}

pub fn delivery_row(d: &DeliverySummary) -> DeliveryRow {
    DeliveryRow {
        id: d.id,
        event_id: d.event_id,
        channel: d.channel.clone(),
        channel_display: None,
        state: d.state,
        state_words: state_words(d.state, d.due_at_ms, now_ms()),
        attempts: d.attempts,
        created: super::page::moment(d.created_at_ms),
        due: d.due_at_ms.map(super::page::moment),
        error: d.last_error.clone().unwrap_or_default(),
        retryable: matches!(d.state, DeliveryState::Dead | DeliveryState::Retrying),
    }
}

/// A delivery's state as an admin reads it (issue 18 point 6).
pub fn state_words(state: DeliveryState, due_at_ms: Option<u64>, now_ms: u64) -> String {
    match state {
        DeliveryState::Pending => "Waiting".into(),
        DeliveryState::InFlight => "Sending".into(),
        DeliveryState::Done => "Posted".into(),
        DeliveryState::Dead => "Gave up".into(),
        DeliveryState::Retrying => match due_at_ms.map(|due| due.saturating_sub(now_ms) / 1000) {
            Some(0) | None => "Retrying now".into(),
            Some(secs) if secs < 60 => format!("Retrying in {secs} s"),
            Some(secs) if secs < 3600 => format!("Retrying in {} min", secs.div_ceil(60)),
            Some(secs) => format!("Retrying in {} h", secs.div_ceil(3600)),
        },
    }
}

/// Fills in the channels' names (a legacy `team/channel` already is one, and gets none).
pub async fn name_channels(state: &AppState, rows: &mut [DeliveryRow]) {
    for row in rows.iter_mut() {
        row.channel_display = state.channel_names.display(&state.mattermost, &row.channel).await;
    }
}

pub async fn list(
    admin: SignedIn,
    state: web::Data<AppState>,
    filter: web::Query<StateFilter>,
) -> Result<HttpResponse, ConsoleError> {
    let filter = filter.into_inner();
    let wanted = DeliveryState::parse(&filter.state);
    let read = move |store: &crate::store::Store| match filter.id {
        Some(id) => Ok(outbox::one(store, id)?.into_iter().collect()),
        None => outbox::list(store, wanted, SHOWN),
    };
    let mut rows: Vec<DeliveryRow> = state.store.run(read).await?.iter().map(delivery_row).collect();
    name_channels(&state, &mut rows).await;
    let notice = Notice { notice: filter.notice }.text();
    let page = DeliveriesPage {
        chrome: Chrome::new(&admin, "/admin/deliveries", "Deliveries").with_notice(notice),
        state: wanted.map(DeliveryState::as_str).unwrap_or("").to_string(),
        states: &DeliveryState::ALL,
        one: filter.id,
        rows,
    };
    render(&page)
}

/// Sends a dead or retrying delivery again now (in its channel's order).
pub async fn retry(
    state: web::Data<AppState>,
    post: SignedPost,
    id: web::Path<u64>,
) -> Result<HttpResponse, ConsoleError> {
    let (id, waker, actor) = (id.into_inner(), state.ingest.waker.clone(), post.admin.username.clone());
    // Back to the list as it was filtered (one delivery, or a state); anything else is dropped.
    let state_filter = DeliveryState::parse(post.form.get("state")).map(|s| format!("state={}&", s.as_str()));
    let one = post.form.get("one").parse::<u64>().ok().map(|one| format!("id={one}&"));
    let filtered = one.or(state_filter).unwrap_or_default();
    let back = |notice: &str| see_other(&format!("/admin/deliveries?{filtered}notice={notice}"));
    match state.store.run(move |store| outbox::retry_now(store, &waker, id, &actor, now_ms())).await {
        Ok(_) => Ok(back("delivery_retried")),
        Err(RetryError::NotFound(_)) => Err(ConsoleError::NotFound(format!("Delivery #{id} does not exist."))),
        Err(RetryError::Store(e)) => Err(e.into()),
        // The worker got there first: the list says so instead of an error page.
        Err(RetryError::InFlight(_)) => Ok(back("delivery_in_flight")),
        Err(RetryError::Done(_)) => Ok(back("delivery_done")),
        Err(RetryError::Changed(_)) => Ok(back("delivery_changed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_as_words_with_the_next_try() {
        assert_eq!(state_words(DeliveryState::Pending, None, 0), "Waiting");
        assert_eq!(state_words(DeliveryState::Dead, None, 0), "Gave up");
        assert_eq!(state_words(DeliveryState::Retrying, Some(95_000), 0), "Retrying in 2 min");
        assert_eq!(state_words(DeliveryState::Retrying, Some(30_000), 0), "Retrying in 30 s");
        assert_eq!(state_words(DeliveryState::Retrying, Some(7_200_000), 0), "Retrying in 2 h");
        assert_eq!(state_words(DeliveryState::Retrying, Some(5), 10), "Retrying now");
    }
}
