//! Load benchmark of the legacy webhook over loopback, against baselines measured in the
//! same run: the same route answering an event it ignores (same body, secret check and
//! parse; the ratio intake is judged by), and a do-nothing actix handler that reads the
//! same body and answers 200.
//!
//! `cargo bench --bench webhook_load` runs the full load. Settings, from the environment:
//! BENCH_REQUESTS (a lane, default 20000), BENCH_CONCURRENCY (default 32), BENCH_ROUNDS
//! (default 5), BENCH_PAYLOAD (a JSON file to send instead of our fixture), BENCH_STORE_ONLY=0
//! (skip the store lane). Under `cargo test` it runs a small smoke load only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use jirabridge::app::{Application, RunOptions};
use jirabridge::config::{Config, LoadedConfig, Secret};

const SECRET: &str = "bench-secret-0123456789abcdefgh";

struct Report {
    name: &'static str,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Report {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }

    fn print(&self) {
        println!(
            "{:<28} {:>9.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms",
            self.name,
            self.per_second(),
            self.percentile(0.50).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0
        );
    }
}

/// `count` distinct payloads: our issue-created fixture with a new issue each time, or the
/// JSON object in the file BENCH_PAYLOAD names (real Jira payloads are 10–50 KB) with a new
/// `timestamp` each time, so that neither dedup key takes one for a repeat.
/// Numbered from `first`, so every round sends webhooks never seen before.
fn bodies(first: usize, count: usize) -> Arc<Vec<String>> {
    let numbers = first..first + count;
    if let Ok(path) = std::env::var("BENCH_PAYLOAD") {
        let template = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("BENCH_PAYLOAD {path}: {e}"));
        let at = template.find("\"timestamp\":").expect("BENCH_PAYLOAD has a \"timestamp\"") + 12;
        let digits = template[at..].trim_start().find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
        let spaces = template[at..].len() - template[at..].trim_start().len();
        let (head, tail) = (&template[..at], &template[at + spaces + digits..]);
        return Arc::new(numbers.map(|n| format!("{head}{}{tail}", 1_600_000_000_000u64 + n as u64)).collect());
    }
    let template = include_str!("../tests/fixtures/cloud-issue-created.json");
    Arc::new(
        numbers
            .map(|n| template.replace("OPS-12", &format!("LOAD-{n}")).replace("20017", &format!("{}", 100_000 + n)))
            .collect(),
    )
}

/// The same bodies as an event jirabridge ignores (`jira:worklog_updated`): the route does
/// the same reading, secret check and parse, then answers without storing anything. Intake
/// is judged against this lane, which the load generator's cost affects the same way.
fn ignored(bodies: Arc<Vec<String>>) -> Arc<Vec<String>> {
    let swap = |body: &String| {
        let Some(at) = body.find("\"webhookEvent\"") else { return body.clone() };
        let value_start = at + body[at..].find(':').unwrap_or(0) + 1;
        let quote = value_start + body[value_start..].find('"').unwrap_or(0);
        let end = quote + 1 + body[quote + 1..].find('"').unwrap_or(0);
        format!("{}\"jira:worklog_updated{}", &body[..quote], &body[end..])
    };
    Arc::new(bodies.iter().map(swap).collect())
}

/// Runs `work(n)` for every n below `count` from `concurrency` tasks at once and reports
/// each call's latency.
async fn drive<F, Fut>(name: &'static str, count: usize, concurrency: usize, work: F) -> Report
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (work, next) = (work.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= count {
                        return latencies;
                    }
                    let sent = Instant::now();
                    work(n).await;
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Report { name, requests: count, elapsed, latencies }
}

async fn load(name: &'static str, url: String, bodies: Arc<Vec<String>>, concurrency: usize) -> Report {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();
    drive(name, bodies.len(), concurrency, move |n| {
        let (client, url, body) = (client.clone(), url.clone(), bodies[n].clone());
        async move {
            let response = client.post(&url).body(body).send().await.expect("request");
            assert!(response.status().is_success(), "{name}: {}", response.status());
        }
    })
    .await
}

/// The store alone: `ingest_durable` of the same events, as concurrently as the HTTP load,
/// without HTTP, parsing or rendering. This is the ceiling the webhook path works under
/// (the answer waits for the event record, delivery inside, to be on disk).
async fn store_only(bodies: Arc<Vec<String>>, concurrency: usize) -> Report {
    use jirabridge::store::records::{EventRecordV1, RoutingKind, RoutingStatus};
    use jirabridge::store::{NewEvent, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &Default::default()).unwrap();
    let count = bodies.len();
    let report = drive("store only (event+delivery)", count, concurrency, move |n| {
        let record = EventRecordV1 {
            received_at_ms: n as u64,
            source: "legacy".into(),
            instance_id: None,
            webhook_event: "jira:issue_created".into(),
            issue_key: format!("LOAD-{n}"),
            project_key: "LOAD".into(),
            events: vec!["event_created".into()],
            status: RoutingStatus::new(RoutingKind::Unmatched),
            headers: vec![],
            raw_body: bodies[n].clone().into_bytes(),
        };
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&(n as u64).to_be_bytes());
        let event = NewEvent { record, dedup_keys: vec![key], dedup_window_ms: 600_000, issue_facts: None };
        let store = store.clone();
        async move {
            store.ingest_durable(event, vec![delivery(n as u64)]).await.unwrap();
        }
    })
    .await;
    drop(dir);
    report
}

/// A delivery like the legacy webhook stores: rendered later from the event.
fn delivery(n: u64) -> jirabridge::store::NewDelivery {
    use jirabridge::store::records::{DeliveryRecordV1, DeliveryState, PostRecordV1, TargetRecordV1};
    let record = DeliveryRecordV1 {
        event_id: 0,
        target: TargetRecordV1::ChannelName { team: "eng".into(), channel: "jira".into() },
        lane: "name:eng/jira".into(),
        post: PostRecordV1::FromEvent { subscription_name: None },
        state: DeliveryState::Pending,
        attempts: 0,
        created_at_ms: n,
        due_at_ms: n,
        first_attempt_at_ms: None,
        last_sent_at_ms: None,
        finished_at_ms: None,
        last_error: None,
        post_id: None,
        issue_url: format!("https://acme.atlassian.net/browse/LOAD-{n}"),
        thread: None,
    };
    jirabridge::store::NewDelivery { record }
}

fn baseline_server() -> (u16, actix_web::dev::Server) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| {
        App::new().app_data(web::PayloadConfig::new(4 * 1024 * 1024)).route(
            "/webhook",
            web::post().to(|body: web::Bytes| async move {
                {
                    drop(body);
                    HttpResponse::Ok().finish()
                }
            }),
        )
    })
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    (port, server)
}

async fn jirabridge_server(data: &std::path::Path) -> Application {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".into();
    config.store.path = data.to_path_buf();
    config.webhook.secret = Secret::new(SECRET.into());
    config.log.level = "error".into();
    let loaded = LoadedConfig { config, file: None, sources: Default::default() };
    Application::build(loaded, RunOptions { background_worker: false, ..RunOptions::default() }).await.unwrap()
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let env_number =
        |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let requests = if full { env_number("BENCH_REQUESTS", 20_000) } else { 200 };
    let concurrency = if full { env_number("BENCH_CONCURRENCY", 32) } else { 4 };
    let rounds = if full { env_number("BENCH_ROUNDS", 5).max(1) } else { 1 };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let (baseline_port, baseline) = baseline_server();
        let baseline_handle = baseline.handle();
        tokio::spawn(baseline);
        let data = tempfile::tempdir().unwrap();
        let app = jirabridge_server(data.path()).await;
        let app_port = app.port();
        let app_url = format!("http://127.0.0.1:{app_port}/webhook?secret={SECRET}&team=eng&channel=jira");
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let app_task = tokio::spawn(app.run_until_stopped(Some(stop_rx)));

        println!(
            "{requests} requests a lane, {rounds} rounds, {concurrency} concurrent clients, payload {} bytes",
            bodies(0, 1)[0].len()
        );
        let baseline_url = format!("http://127.0.0.1:{baseline_port}/webhook");
        load("warm-up", baseline_url.clone(), bodies(0, requests / 10 + 1), concurrency).await;
        // The lanes alternate, round after round: this machine's speed drifts within seconds,
        // so a ratio is only taken between lanes run side by side, and the median reported.
        let (mut ratios, mut to_ignored) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let fresh = || bodies((round + 1) * requests, requests);
            let base = load("baseline (actix, no work)", baseline_url.clone(), fresh(), concurrency).await;
            let skipped = load("same route, ignored event", app_url.clone(), ignored(fresh()), concurrency).await;
            let ours = load("jirabridge legacy webhook", app_url.clone(), fresh(), concurrency).await;
            println!("round {}", round + 1);
            base.print();
            skipped.print();
            ours.print();
            to_ignored.push(ours.per_second() / skipped.per_second());
            println!("  intake ratio to the ignored-event route {:.2}", ours.per_second() / skipped.per_second());
            let ratio = ours.per_second() / base.per_second();
            println!(
                "  throughput ratio {ratio:.2}   p50 ratio {:.2}   p99 ratio {:.2}",
                ours.percentile(0.5).as_secs_f64() / base.percentile(0.5).as_secs_f64(),
                ours.percentile(0.99).as_secs_f64() / base.percentile(0.99).as_secs_f64()
            );
            ratios.push(ratio);
        }
        // A webhook taken for a repeat is answered without being stored: none may be, or the
        // lane would measure less than it claims.
        let metrics =
            reqwest::get(format!("http://127.0.0.1:{}/metrics", app_port)).await.unwrap().text().await.unwrap();
        let repeats = metrics.lines().filter(|l| l.contains("result=\"duplicate\"") && !l.ends_with(" 0")).count();
        assert_eq!(repeats, 0, "some webhooks were taken for repeats:\n{metrics}");
        // BENCH_STORE_ONLY=0 skips the store lane (to profile the HTTP lane alone).
        if env_number("BENCH_STORE_ONLY", 1) != 0 {
            store_only(bodies(0, requests), concurrency).await.print();
        }
        to_ignored.sort_by(f64::total_cmp);
        println!(
            "intake ratio jirabridge/ignored-event route: median {:.2} (from {:.2} to {:.2} over {rounds} rounds)",
            to_ignored[to_ignored.len() / 2],
            to_ignored[0],
            to_ignored[to_ignored.len() - 1]
        );
        ratios.sort_by(f64::total_cmp);
        println!(
            "throughput ratio jirabridge/baseline: median {:.2} (from {:.2} to {:.2} over {rounds} rounds)",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
        stop_tx.send(true).unwrap();
        app_task.await.unwrap().unwrap();
        baseline_handle.stop(true).await;
    });
}
