//! Normalize + render of typical Jira payloads, against a plain `serde_json::from_slice` of
//! the same bytes measured in the same run (the floor any JSON-reading path pays).
//!
//! `cargo bench --bench render` measures; under `cargo test` it runs a few iterations only.

use std::hint::black_box;
use std::time::{Duration, Instant};

use jirabridge::events::{normalize::normalize, render};
use jirabridge::jira::webhook_fields::Webhook;

const FIXTURES: &[&str] = &[
    include_str!("../tests/fixtures/cloud-issue-created.json"),
    include_str!("../tests/fixtures/server-issue-updated-status-and-labels.json"),
    include_str!("../tests/fixtures/cloud-comment-created.json"),
];

fn time(iterations: u32, mut work: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..iterations {
        work();
    }
    started.elapsed() / iterations
}

fn baseline(bytes: &[u8]) {
    black_box(serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap());
}

fn normalize_and_render(bytes: &[u8]) {
    let payload = Webhook::parse(black_box(bytes)).unwrap();
    let parsed = normalize(&payload).unwrap();
    black_box(render::render(&parsed, &Default::default()).to_json().to_string());
}

/// Real Jira payloads are larger than our fixtures (10–50 KB): the largest shared fixtures,
/// when `../shared/fixtures` is beside the project.
fn shared_fixtures() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/jira-webhooks");
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut bodies: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.ends_with("EXPECTED.json"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|body| Webhook::parse(body.as_bytes()).ok().as_ref().and_then(normalize).is_some())
        .collect();
    bodies.sort_by_key(|b| std::cmp::Reverse(b.len()));
    bodies.truncate(2);
    bodies
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let iterations = if full { 20_000 } else { 10 };
    println!("{:<48} {:>12} {:>12} {:>7}", "payload", "from_slice", "ours", "ratio");
    let shared = shared_fixtures();
    for fixture in FIXTURES.iter().copied().chain(shared.iter().map(String::as_str)) {
        let bytes = fixture.as_bytes();
        time(iterations / 10 + 1, || normalize_and_render(bytes));
        let base = time(iterations, || baseline(bytes));
        let ours = time(iterations, || normalize_and_render(bytes));
        let name: String =
            fixture.lines().find(|l| l.contains("\"key\"")).unwrap_or("").trim().chars().take(40).collect();
        let ratio = ours.as_secs_f64() / base.as_secs_f64();
        println!(
            "{:<48} {:>10.1}µs {:>10.1}µs {:>6.2}×",
            format!("{} bytes, {name}", bytes.len()),
            base.as_secs_f64() * 1e6,
            ours.as_secs_f64() * 1e6,
            ratio
        );
    }
}
