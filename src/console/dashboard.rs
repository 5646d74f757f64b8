//! `/admin/`: is everything working, and what has happened lately.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{day, render, Chrome};
use super::session::SignedIn;
use crate::store::records::DeliveryState;
use crate::store::records::SubscriptionState;
use crate::store::{DueDelivery, Store, StoreError};
use crate::utc::now_ms;
use crate::web::AppState;

const DAYS_SHOWN: u64 = 7;

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    store_ok: bool,
    mattermost: &'static str,
    mattermost_ok: bool,
    missing: Vec<String>,
    pending: u64,
    retrying: u64,
    in_flight: u64,
    days: Vec<DayRow>,
    recent_errors: Vec<ErrorRow>,
    instances: usize,
    subscriptions: usize,
    broken_subscriptions: usize,
    /// Jira base URLs webhooks came from that no instance took (SPEC §3.2), with how many
    /// and the link that adds it.
    unrouted: Vec<(String, u64, String)>,
}

/// Unrouted events read at most, for the list of Jiras to add.
const UNROUTED_READ: usize = 200;

struct DayRow {
    day: String,
    events: u64,
    posted: u64,
    dead: u64,
}

struct ErrorRow {
    id: u64,
    at: super::page::Moment,
    /// The channel as people name it ("Team / Channel"), else its id or `team/channel`.
    channel: String,
    error: String,
}

/// What the page shows of the deliveries of its days, gathered one delivery at a time.
#[derive(Default)]
struct Finished {
    /// Day (days since the epoch) → posts made and deliveries given up, by when they ended.
    per_day: std::collections::HashMap<u64, (u64, u64)>,
    /// The newest failures still retrying or given up, with their errors.
    failed: Vec<DueDelivery>,
}

impl Finished {
    const ERRORS_SHOWN: usize = 10;

    fn add(&mut self, delivery: DueDelivery) {
        let record = &delivery.record;
        if let Some(day) = record.finished_at_ms.map(|at| at / 86_400_000) {
            let (posted, dead) = self.per_day.entry(day).or_default();
            match record.state {
                DeliveryState::Done => *posted += 1,
                DeliveryState::Dead => *dead += 1,
                _ => {}
            }
        }
        let failing = matches!(record.state, DeliveryState::Dead | DeliveryState::Retrying);
        if failing && record.last_error.is_some() && self.failed.len() < Self::ERRORS_SHOWN {
            self.failed.push(delivery);
        }
    }
}

pub async fn page(admin: SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    let mattermost = state.mattermost_status().await;
    let now = now_ms();
    let today = now / 86_400_000;
    let since = (today + 1 - DAYS_SHOWN) * 86_400_000;
    // Everything the page shows from the store, in one visit on a blocking thread.
    let read = move |store: &Store| {
        let events = store.events_per_day(since)?;
        let deliveries = store.fold_recent_deliveries(since, Finished::default(), Finished::add)?;
        Ok::<_, StoreError>((
            events,
            deliveries,
            store.outbox_counts()?,
            store.subscriptions()?,
            store.instances()?.len(),
            store.unrouted_since(since, UNROUTED_READ)?,
        ))
    };
    let (events, deliveries, counts, subscriptions, instances, unrouted) = state.store.run(read).await?;
    let days = (0..DAYS_SHOWN)
        .map(|back| {
            let d = today - back;
            let (posted, dead) = deliveries.per_day.get(&d).copied().unwrap_or_default();
            DayRow { day: day(d), events: events.get(&d).copied().unwrap_or(0), posted, dead }
        })
        .collect();
    let mut recent_errors: Vec<ErrorRow> = deliveries
        .failed
        .iter()
        .map(|d| ErrorRow {
            id: d.id,
            at: super::page::moment(
                d.record.finished_at_ms.or(d.record.last_sent_at_ms).unwrap_or(d.record.created_at_ms),
            ),
            channel: crate::delivery::outbox::DeliverySummary::of(d).channel,
            error: d.record.last_error.clone().unwrap_or_default(),
        })
        .collect();
    for row in recent_errors.iter_mut() {
        if let Some(name) = state.channel_names.display(&state.mattermost, &row.channel).await {
            row.channel = name;
        }
    }
    let page = DashboardPage {
        chrome: Chrome::new(&admin, "/admin/", "Dashboard"),
        store_ok: state.store.writability() == crate::store::Writability::Writable,
        mattermost: match mattermost {
            "ok" => "connected",
            "not_configured" => "not configured: set the URL and bot token",
            "unauthorized" => "the bot token is refused",
            _ => "unreachable",
        },
        mattermost_ok: mattermost == "ok",
        missing: state.config().missing_settings(),
        pending: counts.pending,
        retrying: counts.retrying,
        in_flight: counts.in_flight,
        days,
        recent_errors,
        instances,
        broken_subscriptions: subscriptions.iter().filter(|s| s.state == SubscriptionState::Broken).count(),
        subscriptions: subscriptions.len(),
        unrouted: senders(&unrouted),
    };
    render(&page)
}

/// The Jira each event came from (its payload's base URL), with how many, most first, and
/// the instances page with it filled in.
fn senders(events: &[crate::store::records::EventRecordV1]) -> Vec<(String, u64, String)> {
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for event in events {
        let base =
            crate::jira::webhook_fields::Webhook::parse(&event.raw_body).map(|w| w.base_url()).unwrap_or_default();
        if !base.is_empty() {
            *counts.entry(base).or_default() += 1;
        }
    }
    let mut senders: Vec<(String, u64)> = counts.into_iter().collect();
    senders.sort_by_key(|s| std::cmp::Reverse(s.1));
    let link = |base: &str| {
        let encoded: String = url::form_urlencoded::byte_serialize(base.as_bytes()).collect();
        format!("/admin/instances?url={encoded}")
    };
    senders
        .into_iter()
        .map(|(base, count)| {
            let link = link(&base);
            (base, count, link)
        })
        .collect()
}
