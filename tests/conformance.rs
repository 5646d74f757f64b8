//! Payload → events and post text, for our fixtures and the shared ones (when present):
//! each EXPECTED entry names the event set, the headline, strings the post contains and
//! (optionally, `lacks`) strings it must not contain.

use std::path::Path;

use jirabridge::events::{normalize::normalize, render};
use jirabridge::jira::webhook_fields::Webhook;
use serde_json::Value;

use crate::support::fixtures::{own_dir, shared_dir};

/// Checks every fixture listed in `dir/EXPECTED.json`; returns how many were checked.
fn check_dir(dir: &Path) -> usize {
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("EXPECTED.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let entries = expected.as_object().unwrap();
    for (name, want) in entries {
        let body = std::fs::read(dir.join(name)).unwrap();
        if let Err(problem) = check_one(&body, want) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures differ:\n{}", failures.len(), entries.len(), failures.join("\n"));
    entries.len()
}

fn check_one(body: &[u8], want: &Value) -> Result<(), String> {
    let payload = Webhook::parse(body).map_err(|e| format!("not JSON: {e}"))?;
    let parsed = normalize(&payload);
    // Event results are sets: compare them sorted.
    let mut events: Vec<String> = parsed.as_ref().map(|p| p.events.clone()).unwrap_or_default();
    let mut want_events: Vec<String> = serde_json::from_value(want["events"].clone()).unwrap();
    events.sort();
    want_events.sort();
    if events != want_events {
        return Err(format!("events {events:?}, expected {want_events:?}"));
    }
    let Some(parsed) = parsed else { return Ok(()) };
    let post = render::render(&parsed, &Default::default());
    let want_headline = want["headline"].as_str().unwrap_or("");
    if post.headline != want_headline {
        return Err(format!("headline\n  got  {}\n  want {want_headline}", post.headline));
    }
    let shown = post.to_json().to_string();
    let shown_text = format!("{}\n{}\n{:?}", post.headline, post.text, post.fields);
    let has = |needle: &str| {
        shown.contains(serde_json::to_string(needle).unwrap().trim_matches('"')) || shown_text.contains(needle)
    };
    if let Some(needle) = strings(&want["contains"]).find(|n| !has(n)) {
        return Err(format!("post does not contain {needle:?}: {shown_text}"));
    }
    // What a post must never show, such as a live `@here` or a `javascript:` link.
    if let Some(needle) = strings(&want["lacks"]).find(|n| has(n)) {
        return Err(format!("post contains {needle:?}: {shown_text}"));
    }
    Ok(())
}

fn strings(list: &Value) -> impl Iterator<Item = &str> {
    list.as_array().into_iter().flatten().filter_map(Value::as_str)
}

#[test]
fn our_fixtures_give_the_expected_events_and_texts() {
    assert!(check_dir(&own_dir()) >= 5);
}

#[test]
fn shared_fixtures_give_the_expected_events_and_texts() {
    match shared_dir() {
        Some(dir) => assert!(check_dir(&dir) > 30),
        None => eprintln!("../shared/fixtures/jira-webhooks not present; only our fixtures were checked"),
    }
}

#[test]
fn hostile_payloads_never_panic() {
    let cases: &[&str] = &[
        "{}",
        "null",
        r#"{"webhookEvent":"jira:issue_updated","issue":{"fields":{}},"changelog":{"items":[null,1,"x",{"field":null}]}}"#,
        r#"{"webhookEvent":"comment_deleted","issue":{"fields":{"summary":7}}}"#,
        r#"{"webhookEvent":"jira:issue_created","issue":{"fields":{"summary":"é"},"self":"/rest/api"},"user":[]}"#,
        r#"{"webhookEvent":5,"issue":[]}"#,
    ];
    for case in cases {
        // All are JSON: odd types read as missing fields, never as a refused payload.
        let payload = Webhook::parse(case.as_bytes()).unwrap_or_else(|e| panic!("{case}: {e}"));
        if let Some(parsed) = normalize(&payload) {
            render::render(&parsed, &Default::default());
        }
    }
}

/// A small deterministic PRNG (xorshift) so the mutation corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn fixture_bodies() -> Vec<Vec<u8>> {
    let dirs = std::iter::once(own_dir()).chain(shared_dir());
    dirs.flat_map(|dir| std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("EXPECTED.json"))
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Replays every fixture with truncations, byte flips and type swaps through parse,
/// normalize and render: odd input must give a result or nothing, never a panic.
#[test]
fn mutated_payloads_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let swaps: &[(&str, &str)] =
        &[("\"", "1"), ("{", "["), (":", ": null,"), ("\"name\"", "7"), ("null", "{}"), ("[", "\"x\"")];
    let mut cases = 0;
    for body in fixture_bodies() {
        for _ in 0..60 {
            let mut mutated = body.clone();
            match rng.below(3) {
                0 => mutated.truncate(rng.below(body.len())),
                1 => {
                    for _ in 0..1 + rng.below(8) {
                        let at = rng.below(mutated.len());
                        mutated[at] = rng.next() as u8;
                    }
                }
                _ => {
                    let (from, to) = swaps[rng.below(swaps.len())];
                    let text = String::from_utf8_lossy(&mutated).into_owned();
                    let count = text.matches(from).count();
                    mutated = text.replacen(from, to, 1 + rng.below(count.max(1))).into_bytes();
                }
            }
            if let Ok(payload) = Webhook::parse(&mutated) {
                if let Some(parsed) = normalize(&payload) {
                    render::render(&parsed, &Default::default()).to_json();
                }
            }
            cases += 1;
        }
    }
    assert!(cases >= 60 * 5, "the corpus was replayed ({cases} cases)");
}
