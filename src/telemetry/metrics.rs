//! Prometheus metrics (SPEC §3.6). Counters are bumped where things happen; the outbox
//! gauges are refreshed from the store at scrape time.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    pub kind: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    pub event: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StatusLabels {
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    pub state: String,
}

/// All metrics; cheap to clone (each metric is an `Arc` inside).
#[derive(Clone)]
pub struct Metrics {
    registry: std::sync::Arc<Registry>,
    pub webhooks: Family<WebhookLabels, Counter>,
    pub events: Family<EventLabels, Counter>,
    pub deliveries: Family<OutcomeLabels, Counter>,
    pub outbox_depth: Family<StateLabels, Gauge>,
    pub delivery_latency: Histogram,
    pub subscriptions: Family<StateLabels, Gauge>,
    pub jira_requests: Family<StatusLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("jirabridge");
        let webhooks = Family::<WebhookLabels, Counter>::default();
        let events = Family::<EventLabels, Counter>::default();
        let deliveries = Family::<OutcomeLabels, Counter>::default();
        let outbox_depth = Family::<StateLabels, Gauge>::default();
        let buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0];
        let delivery_latency = Histogram::new(buckets.into_iter());
        registry.register("webhooks", "Webhooks received, by kind and result", webhooks.clone());
        registry.register("events", "Jira events recognised, by event name", events.clone());
        registry.register("deliveries", "Delivery attempts finished, by outcome", deliveries.clone());
        registry.register("outbox_depth", "Unfinished deliveries, by state", outbox_depth.clone());
        registry.register("delivery_latency_seconds", "Time from webhook receipt to post", delivery_latency.clone());
        let subscriptions = Family::<StateLabels, Gauge>::default();
        registry.register("subscriptions", "Channel subscriptions, by state", subscriptions.clone());
        let jira_requests = Family::<StatusLabels, Counter>::default();
        registry.register(
            "jira_requests",
            "Requests made to Jira, by HTTP status (`unreachable` when none came)",
            jira_requests.clone(),
        );
        Metrics {
            registry: std::sync::Arc::new(registry),
            webhooks,
            events,
            deliveries,
            outbox_depth,
            delivery_latency,
            subscriptions,
            jira_requests,
        }
    }

    pub fn webhook(&self, kind: &str, result: &str) {
        self.webhooks.get_or_create(&WebhookLabels { kind: kind.into(), result: result.into() }).inc();
    }

    pub fn event(&self, event: &str) {
        self.events.get_or_create(&EventLabels { event: event.into() }).inc();
    }

    pub fn delivery(&self, outcome: &str) {
        self.deliveries.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
    }

    pub fn jira_request(&self, status: &str) {
        self.jira_requests.get_or_create(&StatusLabels { status: status.into() }).inc();
    }

    pub fn set_outbox_depth(&self, state: &str, depth: u64) {
        self.outbox_depth.get_or_create(&StateLabels { state: state.into() }).set(depth as i64);
    }

    pub fn set_subscriptions(&self, state: &str, count: u64) {
        self.subscriptions.get_or_create(&StateLabels { state: state.into() }).set(count as i64);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
