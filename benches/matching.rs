//! Routing one event against 10, 1 000 and 100 000 subscriptions spread over 1 000
//! projects (SPEC §6.5): the index must keep the cost flat. The 10-subscription case is the
//! baseline; the aim is the 100 000 case within 3× of it. In every case exactly one rule
//! matches; the others want other projects or other events.
//!
//! `cargo bench --bench matching`; under `cargo test` it runs a few iterations only.

use std::hint::black_box;
use std::time::{Duration, Instant};

use jirabridge::ids::{ChannelId, InstanceId};
use jirabridge::jira::payload::Payload;
use jirabridge::subscriptions::{FieldFilter, Filters, IssueFacts, MatchSettings, Subscription, SubscriptionIndex};

const INSTANCE: &str = "https://acme.atlassian.net";
const PROJECTS: usize = 1_000;

fn subscription(n: usize) -> Subscription {
    let events = ["event_created", "event_updated_status", "event_created_comment", "event_updated_any"];
    let priority =
        FieldFilter { key: "priority".into(), inclusion: "include_any".into(), values: [format!("{}", n % 5)].into() };
    Subscription {
        id: format!("{n:026}"),
        channel_id: ChannelId::unchecked(format!("c{:025}", n % 5_000)),
        name: format!("rule {n}"),
        instance_id: InstanceId::unchecked(INSTANCE),
        filters: Filters {
            // Beyond the first thousand, rules want other events: they cannot match this
            // event, which is what the index must not pay for.
            events: [events[if n < 1_000 { n % events.len() } else { 1 + n % 3 }].to_string()].into(),
            projects: [format!("P{}", n % PROJECTS)].into(),
            issue_types: ["10004".to_string()].into(),
            fields: vec![priority],
        },
    }
}

fn index_of(count: usize) -> SubscriptionIndex {
    let mut index = SubscriptionIndex::new();
    for n in 0..count {
        index.insert(subscription(n));
    }
    index
}

fn per_match(index: &SubscriptionIndex, facts: &IssueFacts, iterations: u32) -> (Duration, usize) {
    let events = vec!["event_created".to_string()];
    let settings = MatchSettings::default();
    let instance = InstanceId::unchecked(INSTANCE);
    let mut found = 0;
    let started = Instant::now();
    for _ in 0..iterations {
        found = black_box(index.matching(&instance, &events, facts, settings)).len();
    }
    (started.elapsed() / iterations, found)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let iterations = if full { 20_000 } else { 20 };
    let payload = include_str!("../tests/fixtures/cloud-issue-created.json")
        .replace("\"OPS\"", "\"P8\"")
        .replace(r#""id": "2", "name": "High""#, r#""id": "3""#);
    let facts = IssueFacts::from_payload(&Payload::parse(payload.as_bytes()).unwrap(), true);
    let mut baseline = None;
    println!("{:>14} {:>12} {:>9} {:>7}", "subscriptions", "per event", "matched", "ratio");
    for count in [10, 1_000, 100_000] {
        let index = index_of(count);
        let (time, matched) = per_match(&index, &facts, iterations);
        let base = *baseline.get_or_insert(time);
        println!(
            "{count:>14} {:>10.2}µs {matched:>9} {:>6.2}×",
            time.as_secs_f64() * 1e6,
            time.as_secs_f64() / base.as_secs_f64()
        );
    }
}
