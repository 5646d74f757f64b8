//! Drain benchmark: how fast a backlog queued while Mattermost was down is posted once it
//! is back, against a baseline measured in the same run — a bare reqwest loop posting the
//! same posts to the same fake Mattermost at the same concurrency (one loop per channel
//! lane, at most 16, as the worker's lanes).
//!
//! Also the memory of a large backlog: the RSS of the jirabridge binary, run as a process of
//! its own, after each tenth of the webhooks is queued (the median of five readings over two
//! seconds) and its peak; a queued outbox must be streamed, never held whole, so the series
//! must level off.
//!
//! The fake Mattermost keeps connections open between requests, as Mattermost's own server
//! does, so both sides post over the connections they already have; BENCH_KEEP_ALIVE=0
//! closes every connection after its answer (a proxy that does so), where the cost of
//! opening a connection per post weighs on both sides.
//!
//! `cargo bench --bench drain`. Settings: BENCH_POSTS (default 4000), BENCH_CHANNELS
//! (default 2), BENCH_ROUNDS (default 5; the median ratio is reported), BENCH_BACKLOG
//! (webhooks for the memory lane, default 0 = skip; the issue's figure is 100000 over
//! BENCH_BACKLOG_CHANNELS, default 1000), BENCH_CACHE_MB (`store.cache_capacity_mb` for
//! the memory lane, default the shipped 64), BENCH_BACKLOG_IN_PROCESS (1 = the memory lane
//! runs jirabridge inside the bench's process, as before 2026-12-06, fourth session), and
//! with it BENCH_BACKLOG_WORKER (0 = the worker stays off while the backlog queues). Under
//! `cargo test` a small smoke run only.

#[path = "../tests/support/fake_mattermost/mod.rs"]
#[allow(dead_code, unused_imports)]
mod fake_mattermost;

use std::time::{Duration, Instant};

use fake_mattermost::{FakeMattermost, BOT_TOKEN};
use jirabridge::app::{Application, RunOptions};
use jirabridge::config::{Config, LoadedConfig, Secret};

const SECRET: &str = "bench-secret-0123456789abcdefgh";
const TEAM: &str = "eng";

fn config(data: &std::path::Path, mm: &FakeMattermost) -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".into();
    config.store.path = data.to_path_buf();
    config.webhook.secret = Secret::new(SECRET.into());
    config.mattermost.url = mm.url();
    config.mattermost.bot_token = Secret::new(BOT_TOKEN.into());
    config.mattermost.retry_initial_ms = 1;
    config.mattermost.retry_max_secs = 1;
    config.log.level = "error".into();
    config
}

fn issue(n: usize) -> String {
    include_str!("../tests/fixtures/cloud-issue-created.json")
        .replace("OPS-12", &format!("DRAIN-{n}"))
        .replace("20017", &format!("9{n}"))
}

/// CPU time this process has used (user + system, every thread: the fake Mattermost's
/// included), from /proc/self/stat in clock ticks of 10 ms.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name.split_whitespace().skip(11).take(2).filter_map(|v| v.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10)
}

/// A figure of /proc/self/status in MiB: `VmRSS` (now) or `VmHWM` (the peak).
/// A figure of `/proc/<pid>/status` in MiB (`self` for this process).
fn status_mib(pid: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or("");
    line.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) / 1024
}

/// A real Jira Server payload of 47 KB (real payloads are 10-50 KB) when the shared fixtures
/// are beside the project, else our small one; numbered so no two are duplicates.
fn large_issue_template() -> String {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/jira-webhooks/webhook-server-issue-updated-comment-edited.json"
    );
    std::fs::read_to_string(shared).unwrap_or_else(|_| issue(0))
}

fn numbered(template: &str, n: usize) -> String {
    let Some(at) = template.find("\"timestamp\":").map(|at| at + 12) else { return template.to_string() };
    let rest = template[at..].trim_start();
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
    format!("{}{}{}", &template[..at], 1_700_000_000_000u64 + n as u64, &rest[digits..])
}

/// Sends `count` webhooks spread over `channels` channels with `concurrency` clients; each
/// body is `body(n)`.
async fn queue(port: u16, count: usize, channels: usize, concurrency: usize, first: usize) {
    queue_bodies(port, count, channels, concurrency, first, std::sync::Arc::new(issue)).await
}

async fn queue_bodies(
    port: u16,
    count: usize,
    channels: usize,
    concurrency: usize,
    first: usize,
    body: std::sync::Arc<dyn Fn(usize) -> String + Send + Sync>,
) {
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (http, body) = (http.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            for n in (first + worker..first + count).step_by(concurrency) {
                let url = format!(
                    "http://127.0.0.1:{port}/webhook?secret={SECRET}&team={TEAM}&channel=c{}&updated_all=1",
                    n % channels
                );
                let response = http.post(url).body(body(n)).send().await.expect("webhook sent");
                assert_eq!(response.status(), 200, "webhook {n} accepted");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// The baseline: `count` posts made by `concurrency` loops of plain reqwest calls, each the
/// post jirabridge makes of the same webhook (so Mattermost's side of the work is the same).
async fn bare_posts(mm: &FakeMattermost, channel_ids: &[String], count: usize, concurrency: usize) -> Duration {
    let rendered = jirabridge::events::preview::render_payload(issue(0).as_bytes(), &Default::default()).unwrap();
    let mut body = rendered.posts[0].clone();
    body["props"]["jirabridge_delivery_id"] = "1".into();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (lane, channel) in channel_ids.iter().enumerate().take(concurrency) {
        let http = reqwest::Client::new();
        let (url, channel, mut body) = (format!("{}/api/v4/posts", mm.url()), channel.clone(), body.clone());
        body["channel_id"] = channel.into();
        tasks.push(tokio::spawn(async move {
            for _ in (lane..count).step_by(concurrency) {
                let response = http.post(&url).bearer_auth(BOT_TOKEN).json(&body).send().await.unwrap();
                assert_eq!(response.status(), 201);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

async fn drain_lane(posts: usize, channels: usize, rounds: usize, keep_alive: bool) {
    let mm = if keep_alive { FakeMattermost::start_keeping_connections().await } else { FakeMattermost::start().await };
    let team = mm.add_team(TEAM);
    let channel_ids: Vec<String> = (0..channels).map(|c| mm.add_channel(&team, &format!("c{c}"))).collect();
    let data = tempfile::tempdir().unwrap();
    let loaded = LoadedConfig { config: config(data.path(), &mm), file: None, sources: Default::default() };
    let app =
        Application::build(loaded, RunOptions { background_worker: false, ..RunOptions::default() }).await.unwrap();
    let (port, worker) = (app.port(), app.worker());
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(app.run_until_stopped(Some(stop_rx)));

    let concurrency = channels.min(16);
    let connections = if keep_alive { "kept open" } else { "closed after each post" };
    println!("drain {posts} posts over {channels} channels ({concurrency} at a time, connections {connections}), {rounds} rounds");
    // Rounds alternate the lanes side by side: this machine's speed drifts within seconds.
    let mut ratios = Vec::new();
    for round in 0..rounds {
        mm.stop().await;
        queue(port, posts, channels, 16, round * posts).await;
        mm.restart().await;
        let (expected, started, cpu_before) = (mm.post_count() + posts, Instant::now(), cpu_time());
        while mm.post_count() < expected {
            worker.run_once().await.unwrap();
            assert!(started.elapsed() < Duration::from_secs(600), "drain stalled at {}", mm.post_count());
        }
        let (drained, drain_cpu) = (started.elapsed(), cpu_time() - cpu_before);
        let cpu_before = cpu_time();
        let bare = bare_posts(&mm, &channel_ids, posts, concurrency).await;
        let bare_cpu = cpu_time() - cpu_before;
        let (ours, theirs) = (posts as f64 / drained.as_secs_f64(), posts as f64 / bare.as_secs_f64());
        let per_post = |cpu: Duration| cpu.as_micros() as f64 / posts as f64;
        println!(
            "  round {}: jirabridge worker {ours:>6.0} posts/s ({:.0} µs CPU each), bare reqwest loop {theirs:>6.0} posts/s ({:.0} µs CPU each), ratio {:.2}",
            round + 1,
            per_post(drain_cpu),
            per_post(bare_cpu),
            ours / theirs
        );
        ratios.push(ours / theirs);
    }
    ratios.sort_by(f64::total_cmp);
    println!("  drain ratio (median) {:.2}", ratios[ratios.len() / 2]);
    let _ = stop.send(true);
    task.await.unwrap().unwrap();
}

/// How long the backlog lane waits after each tenth while reading RSS.
const SETTLE: Duration = Duration::from_secs(2);

/// The median of five RSS readings of process `pid` over [`SETTLE`], once the last burst
/// of webhooks is answered: the figure is what the backlog holds, not what the last
/// requests, sled's deferred frees or the worker's retries had in hand at one instant (a
/// single reading moves by ±10 MiB).
async fn settled_rss_mib(pid: &str) -> u64 {
    let mut readings = Vec::new();
    for _ in 0..5 {
        tokio::time::sleep(SETTLE / 5).await;
        readings.push(status_mib(pid, "VmRSS:"));
    }
    readings.sort_unstable();
    readings[2]
}

/// The fake Mattermost with `channels` channels of team `eng`, stopped: the backlog queues.
async fn mattermost_with_channels(channels: usize) -> FakeMattermost {
    let mm = FakeMattermost::start().await;
    let team = mm.add_team(TEAM);
    for c in 0..channels {
        mm.add_channel(&team, &format!("c{c}"));
    }
    mm.stop().await;
    mm
}

/// RSS of the jirabridge binary, a process of its own as in production, while `count`
/// webhooks queue up for `channels` channels with Mattermost down (shipped settings, the
/// worker on). The load generator and the fake Mattermost are outside the figure.
async fn backlog_lane(count: usize, channels: usize) {
    let mm = mattermost_with_channels(channels).await;
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_jirabridge"));
    command
        .arg("serve")
        .env_clear()
        .env("JIRABRIDGE_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("JIRABRIDGE_WEBHOOK__SECRET", SECRET)
        .env("JIRABRIDGE_LOG__LEVEL", "error")
        .env("JIRABRIDGE_STORE__PATH", data.path())
        .env("JIRABRIDGE_MATTERMOST__URL", mm.url())
        .env("JIRABRIDGE_MATTERMOST__BOT_TOKEN", BOT_TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    if let Ok(mb) = std::env::var("BENCH_CACHE_MB") {
        command.env("JIRABRIDGE_STORE__CACHE_CAPACITY_MB", mb);
    }
    let mut child = command.spawn().expect("the jirabridge binary starts");
    let health = format!("http://127.0.0.1:{port}/healthz");
    let started = Instant::now();
    while reqwest::get(&health).await.map_or(true, |r| !r.status().is_success()) {
        assert!(started.elapsed() < Duration::from_secs(30), "jirabridge did not answer /healthz");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().to_string();
    queue_backlog(port, count, channels, &pid, "the jirabridge binary, worker on").await;
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The same in this process (BENCH_BACKLOG_IN_PROCESS=1): the figure then holds the bench's
/// own clients and the fake Mattermost, and BENCH_BACKLOG_WORKER=0 can leave the worker off.
async fn backlog_lane_in_process(count: usize, channels: usize) {
    let mm = mattermost_with_channels(channels).await;
    let data = tempfile::tempdir().unwrap();
    let mut config = config(data.path(), &mm);
    // The shipped retry settings: a worker that retries every lane every few milliseconds
    // while Mattermost is down is not what runs in production.
    (config.mattermost.retry_initial_ms, config.mattermost.retry_max_secs) = (1000, 300);
    if let Some(mb) = std::env::var("BENCH_CACHE_MB").ok().and_then(|v| v.parse().ok()) {
        config.store.cache_capacity_mb = mb;
    }
    let loaded = LoadedConfig { config, file: None, sources: Default::default() };
    let worker = std::env::var("BENCH_BACKLOG_WORKER").map_or(true, |v| v != "0");
    let options = RunOptions { background_worker: worker, ..RunOptions::default() };
    let app = Application::build(loaded, options).await.unwrap();
    let port = app.port();
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(app.run_until_stopped(Some(stop_rx)));
    let what = if worker { "in process, worker on" } else { "in process, worker off" };
    queue_backlog(port, count, channels, "self", what).await;
    let _ = stop.send(true);
    task.await.unwrap().unwrap();
}

/// Queues `count` large webhooks over `channels` channels to `port` and prints the RSS of
/// process `pid` after every tenth: a backlog held in memory grows with each step, sled's
/// cache filling toward its capacity shows as early steps that level off.
async fn queue_backlog(port: u16, count: usize, channels: usize, pid: &str, what: &str) {
    let template = large_issue_template();
    let body: std::sync::Arc<dyn Fn(usize) -> String + Send + Sync> =
        std::sync::Arc::new(move |n| numbered(&template, n));
    let before = status_mib(pid, "VmRSS:");
    let tenth = count / 10;
    let (mut steps, started) = (Vec::new(), Instant::now());
    for step in 0..10 {
        let sent = step * tenth;
        let size = if step == 9 { count - sent } else { tenth };
        queue_bodies(port, size, channels, 32, sent, body.clone()).await;
        steps.push(settled_rss_mib(pid).await);
    }
    let (at_tenth, at_all) = (steps[0], steps[9]);
    println!(
        "backlog of {count} webhooks of {} bytes over {channels} channels, Mattermost down ({what})",
        body(0).len()
    );
    println!(
        "  RSS before {before} MiB, at {tenth} queued {at_tenth} MiB, at {count} queued {at_all} MiB, peak {} MiB",
        status_mib(pid, "VmHWM:")
    );
    let series: Vec<String> = steps.iter().map(|mib| mib.to_string()).collect();
    println!("  RSS after each tenth (MiB): {}", series.join(", "));
    let (trend_tenth, trend_all) = trend_ends(&steps);
    println!(
        "  growth from {tenth} to {count}: {:.0} % between those two readings, {:.0} % along the trend of all ten ({trend_tenth:.0} to {trend_all:.0} MiB)   ({:.0} webhooks/s)",
        (at_all as f64 / at_tenth.max(1) as f64 - 1.0) * 100.0,
        (trend_all / trend_tenth.max(1.0) - 1.0) * 100.0,
        count as f64 / (started.elapsed() - SETTLE * 10).as_secs_f64()
    );
}

/// The least-squares line through the readings taken after each tenth, at the first and the
/// last tenth. Each reading still moves by ±10 MiB (sled's flushes and the allocator's
/// returns come and go), so growth between two single readings swings by ten points from
/// run to run; the line through all ten is what the backlog adds per webhook.
fn trend_ends(steps: &[u64]) -> (f64, f64) {
    let n = steps.len() as f64;
    let xs = (1..=steps.len()).map(|x| x as f64);
    let (mean_x, mean_y) = (xs.clone().sum::<f64>() / n, steps.iter().sum::<u64>() as f64 / n);
    let covariance: f64 = xs.clone().zip(steps).map(|(x, &y)| (x - mean_x) * (y as f64 - mean_y)).sum();
    let variance: f64 = xs.map(|x| (x - mean_x).powi(2)).sum();
    let slope = covariance / variance;
    let at = |x: f64| mean_y + slope * (x - mean_x);
    (at(1.0), at(n))
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let number = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let posts = if full { number("BENCH_POSTS", 4000) } else { 40 };
    let channels = if full { number("BENCH_CHANNELS", 2) } else { 2 };
    let backlog = if full { number("BENCH_BACKLOG", 0) } else { 0 };
    let rounds = if full { number("BENCH_ROUNDS", 5).max(1) } else { 1 };
    let backlog_channels = number("BENCH_BACKLOG_CHANNELS", 1000);
    let keep_alive = number("BENCH_KEEP_ALIVE", 1) != 0;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        drain_lane(posts, channels, rounds, keep_alive).await;
        match (backlog, std::env::var("BENCH_BACKLOG_IN_PROCESS").is_ok_and(|v| v == "1")) {
            (0, _) => {}
            (backlog, false) => backlog_lane(backlog, backlog_channels).await,
            (backlog, true) => backlog_lane_in_process(backlog, backlog_channels).await,
        }
    });
}
