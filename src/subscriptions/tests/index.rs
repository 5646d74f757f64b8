//! The index finds exactly what a scan of every subscription finds.

use serde_json::json;

use super::{cloud_facts, events, filter, issue_payload, set};
use crate::ids::{ChannelId, InstanceId};
use crate::subscriptions::{matches, Filters, IssueFacts, MatchSettings, Subscription, SubscriptionIndex};

const INSTANCES: [&str; 2] = ["https://jira.example.org", "https://kestrel.atlassian.net"];
const EVENTS: [&str; 7] = [
    "event_created",
    "event_updated_status",
    "event_updated_labels",
    "event_created_comment",
    "event_deleted",
    "event_updated_customfield_10072",
    "event_updated_any",
];
const PROJECTS: usize = 1_000;

/// xorshift64: deterministic, good enough to spread subscriptions.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

fn project(rng: &mut Rng) -> String {
    format!("P{:03}", rng.below(PROJECTS))
}

fn random_sub(rng: &mut Rng, n: usize) -> Subscription {
    let projects = match rng.below(100) {
        0 => Default::default(),
        1..=20 => [project(rng), project(rng)].into(),
        _ => [project(rng)].into(),
    };
    let events = [rng.pick(&EVENTS), rng.pick(&EVENTS)].map(String::from).into();
    let issue_types = set(&[rng.pick(&["10001", "10004"]), rng.pick(&["10004", "10010"])]);
    let fields = match rng.below(4) {
        0 => vec![filter("priority", "include_any", &[rng.pick(&["1", "2", "3"])])],
        1 => vec![filter("labels", "exclude_any", &["wontfix"])],
        _ => vec![],
    };
    Subscription {
        id: format!("{n:026}"),
        channel_id: ChannelId::unchecked(format!("c{:025}", rng.below(300))),
        name: format!("sub {:04}", rng.below(5_000)),
        instance_id: InstanceId::unchecked(rng.pick(&INSTANCES).to_string()),
        filters: Filters { events, projects, issue_types, fields },
    }
}

fn random_webhook(rng: &mut Rng) -> (InstanceId, Vec<String>, IssueFacts) {
    let first = rng.pick(&EVENTS[..6]);
    let webhook_events =
        if first == "event_deleted" { events(&[first, "event_deleted_unresolved"]) } else { events(&[first]) };
    let labels = if rng.below(3) == 0 { json!(["wontfix"]) } else { json!(["backend"]) };
    let payload = issue_payload(json!({
        "project": {"key": project(rng)},
        "issuetype": {"id": rng.pick(&["10001", "10004", "10010"])},
        "priority": {"id": rng.pick(&["1", "2", "3"])},
        "labels": labels,
    }));
    (InstanceId::unchecked(rng.pick(&INSTANCES)), webhook_events, cloud_facts(payload))
}

fn ids(subs: Vec<&Subscription>) -> Vec<String> {
    subs.into_iter().map(|s| s.id.clone()).collect()
}

/// Compares the index with a scan over `all` for many webhooks; returns how many matched.
fn assert_same_as_scan(index: &SubscriptionIndex, all: &[&Subscription], rng: &mut Rng) -> usize {
    let settings = MatchSettings::default();
    let mut total = 0;
    for _ in 0..300 {
        let (instance, webhook_events, facts) = random_webhook(rng);
        let mut scan: Vec<&Subscription> = all
            .iter()
            .copied()
            .filter(|s| s.instance_id == instance && matches(s, &webhook_events, &facts, settings))
            .collect();
        scan.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        let found = index.matching(&instance, &webhook_events, &facts, settings);
        total += found.len();
        assert_eq!(ids(found), ids(scan), "{instance} {webhook_events:?} {}", facts.project_key);
    }
    total
}

#[test]
fn ten_thousand_subscriptions_over_a_thousand_projects() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let subs: Vec<Subscription> = (0..10_000).map(|n| random_sub(&mut rng, n)).collect();
    let mut index = SubscriptionIndex::new();
    subs.iter().cloned().for_each(|s| index.insert(s));
    assert_eq!(index.len(), 10_000);

    let all: Vec<&Subscription> = subs.iter().collect();
    assert!(assert_same_as_scan(&index, &all, &mut rng) > 100, "too few matches to prove anything");

    for sub in subs.iter().step_by(2) {
        assert_eq!(index.remove(&sub.id).as_ref(), Some(sub));
    }
    assert_eq!((index.len(), index.remove(&subs[0].id)), (5_000, None));
    assert!(index.get(&subs[0].id).is_none() && index.get(&subs[1].id).is_some());
    let kept: Vec<&Subscription> = subs.iter().skip(1).step_by(2).collect();
    assert!(assert_same_as_scan(&index, &kept, &mut rng) > 50);
}

#[test]
fn replacing_a_subscription_files_it_under_its_new_projects() {
    let mut sub = super::sub(&["event_created"], vec![]);
    let mut index = SubscriptionIndex::new();
    index.insert(sub.clone());
    sub.filters.projects = set(&["OPS"]);
    index.insert(sub.clone());
    let ev = events(&["event_created"]);
    let settings = MatchSettings::default();
    assert!(index.matching(&sub.instance_id, &ev, &cloud_facts(issue_payload(json!({}))), settings).is_empty());
    let ops = cloud_facts(issue_payload(json!({"project": {"key": "OPS"}})));
    assert_eq!(ids(index.matching(&sub.instance_id, &ev, &ops, settings)), [sub.id.clone()]);
    assert!(index.matching(&InstanceId::unchecked("https://other.example.org"), &ev, &ops, settings).is_empty());
    assert_eq!(index.remove(&sub.id), Some(sub));
    assert!(index.is_empty());
}

#[test]
fn a_custom_field_event_matches_whatever_the_case_the_rule_spells_it_in() {
    // Events come lower case from `normalize`; a rule names the field as it is spelt.
    let sub = super::sub(&["event_updated_CostCenter"], vec![]);
    let mut index = SubscriptionIndex::new();
    index.insert(sub.clone());
    let ev = events(&["event_updated_costcenter"]);
    let facts = issue_facts_kt();
    let settings = MatchSettings::default();
    assert_eq!(ids(index.matching(&sub.instance_id, &ev, &facts, settings)), std::slice::from_ref(&sub.id));
    assert!(matches(&sub, &ev, &facts, settings), "the scan agrees with the index");
    assert_eq!(index.remove(&sub.id), Some(sub));
    assert!(index.is_empty(), "removed under the name it was filed under");
}

fn issue_facts_kt() -> IssueFacts {
    super::issue_facts(json!({}))
}
