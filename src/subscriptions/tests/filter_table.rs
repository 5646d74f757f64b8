//! Every inclusion against single-valued, multi-valued and missing fields (SPEC §6.5).

use serde_json::{json, Value};

use super::{events, filter, issue_facts, sub};
use crate::subscriptions::matching::{excluded_by, Exclusion};
use crate::subscriptions::{matches, MatchSettings};

const INCLUSIONS: [&str; 7] =
    ["include_any", "include_all", "exclude_any", "empty", "include_or_empty", "", "includes"];

/// Expected outcome per inclusion, in `INCLUSIONS` order.
type Row = (&'static str, Value, &'static str, &'static [&'static str], [bool; 7]);

const T: bool = true;
const F: bool = false;

fn rows() -> Vec<Row> {
    let versions =
        json!([{"id": "10020", "name": "2.4.0"}, {"id": "10021", "name": "2.4.1"}, {"id": "10022", "name": "2.5.0"}]);
    let platforms = json!([{"value": "iOS", "id": "10400"}, {"value": "Web", "id": "10402"}]);
    vec![
        // single-valued: priority {id}
        ("priority hit", json!({"priority": {"id": "2", "name": "High"}}), "priority", &["2"], [T, T, F, F, T, F, F]),
        ("priority partial", json!({"priority": {"id": "2"}}), "priority", &["1", "2"], [T, F, F, F, T, F, F]),
        ("priority miss", json!({"priority": {"id": "2"}}), "priority", &["4"], [F, F, T, F, F, F, F]),
        ("priority null", json!({"priority": null}), "priority", &["2"], [F, F, T, T, T, F, F]),
        ("priority no values", json!({"priority": {"id": "2"}}), "priority", &[], [F, F, F, F, F, F, F]),
        ("priority null no values", json!({"priority": null}), "priority", &[], [F, F, F, T, F, F, F]),
        // labels
        ("labels one", json!({"labels": ["backend", "urgent"]}), "labels", &["backend"], [T, T, F, F, T, F, F]),
        (
            "labels all",
            json!({"labels": ["backend", "urgent"]}),
            "labels",
            &["backend", "urgent"],
            [T, T, F, F, T, F, F],
        ),
        (
            "labels partial",
            json!({"labels": ["backend", "urgent"]}),
            "labels",
            &["backend", "ui"],
            [T, F, F, F, T, F, F],
        ),
        ("labels miss", json!({"labels": ["backend", "urgent"]}), "labels", &["ui"], [F, F, T, F, F, F, F]),
        ("labels none", json!({"labels": []}), "labels", &["ui"], [F, F, T, T, T, F, F]),
        // fixVersions ids
        (
            "versions subset",
            json!({"fixVersions": versions}),
            "fixVersions",
            &["10020", "10022"],
            [T, T, F, F, T, F, F],
        ),
        (
            "versions partial",
            json!({"fixVersions": versions}),
            "fixVersions",
            &["10022", "10030"],
            [T, F, F, F, T, F, F],
        ),
        ("versions miss", json!({"fixVersions": versions}), "fixVersions", &["10030"], [F, F, T, F, F, F, F]),
        ("versions key case", json!({"fixVersions": versions}), "FIXVERSIONS", &["10021"], [T, T, F, F, T, F, F]),
        // components ids
        (
            "components hit",
            json!({"components": [{"id": "10500", "name": "API"}]}),
            "components",
            &["10500"],
            [T, T, F, F, T, F, F],
        ),
        ("components miss", json!({"components": [{"id": "10500"}]}), "components", &["10501"], [F, F, T, F, F, F, F]),
        ("components empty", json!({"components": []}), "components", &["10501"], [F, F, T, T, T, F, F]),
        // multi-select custom field: array of option objects
        (
            "multi all",
            json!({"customfield_10104": platforms}),
            "customfield_10104",
            &["10400", "10402"],
            [T, T, F, F, T, F, F],
        ),
        (
            "multi partial",
            json!({"customfield_10104": platforms}),
            "customfield_10104",
            &["10401", "10402"],
            [T, F, F, F, T, F, F],
        ),
        ("multi miss", json!({"customfield_10104": platforms}), "customfield_10104", &["10401"], [F, F, T, F, F, F, F]),
        ("multi null", json!({"customfield_10104": null}), "customfield_10104", &["10401"], [F, F, T, T, T, F, F]),
        // a field the payload does not carry at all
        ("absent", json!({}), "customfield_10300", &["x"], [F, F, T, T, T, F, F]),
        ("absent no values", json!({}), "customfield_10300", &[], [F, F, F, T, F, F, F]),
    ]
}

#[test]
fn each_inclusion_against_each_field_shape() {
    let mut failures = Vec::new();
    for (case, fields, key, values, expected) in rows() {
        let facts = issue_facts(fields);
        for (inclusion, want) in INCLUSIONS.iter().zip(expected) {
            let sub = sub(&["event_updated_status"], vec![filter(key, inclusion, values)]);
            let got = matches(&sub, &events(&["event_updated_status"]), &facts, MatchSettings::default());
            if got != want {
                failures.push(format!("{case}: {key} {inclusion:?} {values:?} → {got}, expected {want}"));
            }
            // The explanation agrees with the verdict, and names this filter when it refuses.
            let why = excluded_by(&sub, &events(&["event_updated_status"]), &facts, MatchSettings::default());
            let expected_why = (!want).then(|| Exclusion::Field { index: 0, key: key.to_string() });
            if why != expected_why {
                failures.push(format!("{case}: {key} {inclusion:?} explained as {why:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn all_filters_must_pass() {
    let facts = issue_facts(json!({"priority": {"id": "2"}, "labels": ["backend"]}));
    let both = |label: &str| {
        sub(
            &["event_updated_status"],
            vec![filter("priority", "include_any", &["2"]), filter("labels", "include_any", &[label])],
        )
    };
    let ev = events(&["event_updated_status"]);
    assert!(matches(&both("backend"), &ev, &facts, MatchSettings::default()));
    assert!(!matches(&both("ui"), &ev, &facts, MatchSettings::default()));
    let why = excluded_by(&both("ui"), &ev, &facts, MatchSettings::default()).unwrap();
    assert_eq!(
        (why.code(), why.to_string()),
        ("filters.fields[1]".into(), "the field filter on labels does not accept it".into())
    );
    let said = crate::subscriptions::matching::explain(&why, &both("ui"), &ev, &facts);
    assert_eq!(said, "labels [backend] not accepted by labels include_any [ui]");
}

#[test]
fn an_exclusion_says_what_the_event_had_against_what_the_rule_wants() {
    use crate::subscriptions::matching::explain;
    let facts = issue_facts(json!({"project": {"key": "TES"}, "issuetype": {"id": "10002"}}));
    let ev = events(&["event_updated_status"]);
    let mut rule = sub(&["event_updated_status"], vec![]);
    rule.filters.projects = ["ABC".to_string()].into();
    let why = excluded_by(&rule, &ev, &facts, MatchSettings::default()).unwrap();
    assert_eq!(explain(&why, &rule, &ev, &facts), "project TES not in [ABC]", "SPEC §6.9's example");
    rule.filters.projects = ["TES".to_string()].into();
    let why = excluded_by(&rule, &ev, &facts, MatchSettings::default()).unwrap();
    assert!(explain(&why, &rule, &ev, &facts).starts_with("issue type 10002 not in ["), "{why:?}");
}

#[test]
fn the_first_test_a_rule_fails_is_the_one_named() {
    let facts = issue_facts(json!({"security": {"id": "10100"}}));
    let ev = events(&["event_updated_status"]);
    let other_event = sub(&["event_created"], vec![]);
    assert_eq!(excluded_by(&other_event, &ev, &facts, MatchSettings::default()), Some(Exclusion::Events));
    let secured = sub(&["event_updated_status"], vec![]);
    assert_eq!(excluded_by(&secured, &ev, &facts, MatchSettings::default()), Some(Exclusion::SecurityLevel));
}
