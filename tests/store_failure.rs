//! A store that cannot write (SPEC §4.6, §3.6), through the store's fault seam: webhooks get
//! 503 with `Retry-After: 30` and nothing of them is kept, `/readyz` says `unwritable`,
//! `/healthz` answers at once while sled hangs, console and API writes fail cleanly (500 at
//! the deadline when a write hangs), and once the store writes again webhooks get 200 with no
//! one doing anything. Every acknowledged event is posted once.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::support::app::{spawn_app, spawn_app_with, TestApp};
use crate::support::console::signed_in;
use crate::support::fixtures::issue_created;

async fn readyz(app: &TestApp) -> (u16, Value) {
    let response = app.get("/readyz").await;
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Waits (up to `within`) until `/readyz` reports the store as `expected`.
async fn store_becomes(app: &TestApp, expected: &str, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let (_, body) = readyz(app).await;
        if body["store"] == expected {
            return;
        }
        assert!(Instant::now() < deadline, "/readyz store is {} after {within:?}, not {expected}", body["store"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_refused_for_now(response: &reqwest::Response) {
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "30");
}

#[tokio::test]
async fn a_failed_write_is_503_keeps_nothing_and_the_retry_is_posted_once() {
    let app = spawn_app().await;
    let faults = app.state.store.faults();
    faults.fail_writes.store(true, Ordering::SeqCst);
    let refused = app.post_legacy(issue_created("OPS-1")).await;
    assert_refused_for_now(&refused);
    assert_eq!(refused.text().await.unwrap(), "temporarily unable to store the event; try again");
    store_becomes(&app, "unwritable", Duration::from_secs(1)).await;
    assert_eq!(readyz(&app).await.0, 503);
    assert_eq!(app.state.store.event_count(), 0, "no event, delivery or dedup key is left");

    faults.clear();
    let accepted = app.post_legacy(issue_created("OPS-1")).await;
    assert_eq!(accepted.status(), 200, "the retry is new, not a duplicate of the refused one");
    store_becomes(&app, "ok", Duration::from_secs(3)).await;
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_failed_flush_is_503_and_the_event_is_posted_once() {
    let app = spawn_app().await;
    let faults = app.state.store.faults();
    faults.fail_flushes.store(true, Ordering::SeqCst);
    assert_refused_for_now(&app.post_legacy(issue_created("OPS-2")).await);
    store_becomes(&app, "unwritable", Duration::from_secs(1)).await;

    faults.clear();
    store_becomes(&app, "ok", Duration::from_secs(5)).await;
    // Jira sends it again: stored or recognised, it is answered 200 and posted once.
    assert_eq!(app.post_legacy(issue_created("OPS-2")).await.status(), 200);
    app.deliver().await;
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_store_never_hangs_the_server() {
    let app = spawn_app().await;
    let faults = app.state.store.faults();
    faults.hang_flushes.store(true, Ordering::SeqCst);

    let started = Instant::now();
    let webhook = app.post_legacy(issue_created("OPS-3"));
    let health = async {
        // While the webhook waits on the hung flush, the liveness check answers at once.
        let mut slowest = Duration::ZERO;
        for _ in 0..20 {
            let asked = Instant::now();
            assert_eq!(app.get("/healthz").await.status(), 200);
            slowest = slowest.max(asked.elapsed());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        slowest
    };
    let (refused, slowest) = tokio::join!(webhook, health);
    assert_refused_for_now(&refused);
    assert!(started.elapsed() < Duration::from_secs(7), "answered at the deadline: {:?}", started.elapsed());
    assert!(slowest < Duration::from_millis(100), "/healthz took {slowest:?}");
    let asked = Instant::now();
    let (status, body) = readyz(&app).await;
    assert_eq!((status, body["store"].as_str()), (503, Some("unwritable")));
    assert!(asked.elapsed() < Duration::from_millis(500), "/readyz does not wait for the store");
    // While the store hangs, webhooks are refused at once instead of queueing.
    let asked = Instant::now();
    assert_refused_for_now(&app.post_legacy(issue_created("OPS-4")).await);
    assert!(asked.elapsed() < Duration::from_secs(1), "{:?}", asked.elapsed());

    faults.clear();
    store_becomes(&app, "ok", Duration::from_secs(10)).await;
    assert_eq!(app.post_legacy(issue_created("OPS-4")).await.status(), 200);
    app.deliver().await;
    let keys: Vec<String> =
        app.channel_posts().iter().map(|p| p.props["attachments"][0]["pretext"].to_string()).collect();
    assert_eq!(keys.iter().filter(|k| k.contains("OPS-4")).count(), 1, "{keys:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn api_writes_fail_cleanly_while_the_store_cannot_write() {
    let app = spawn_app().await;
    app.state.store.faults().fail_writes.store(true, Ordering::SeqCst);
    let response = app
        .api(Method::POST, "/instances?skip_check=true")
        .json(&serde_json::json!({"url": "https://jira.example.com", "type": "server"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal", "{body}");
    app.state.store.faults().clear();
    let listed: Value = app.api(Method::GET, "/instances").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "nothing half-added: {listed}");
    app.shutdown().await;
}

/// What [`while_asking_healthz`] saw.
struct Waited<T> {
    answer: T,
    took: Duration,
    slowest_healthz: Duration,
    healthz_asked: usize,
}

/// Sends `request` and, until it is answered (at most 8 s), asks `/healthz` every 100 ms.
async fn while_asking_healthz<T>(app: &TestApp, request: impl Future<Output = T>) -> Waited<T> {
    let answered = AtomicBool::new(false);
    let started = Instant::now();
    let request = async {
        let answer = tokio::time::timeout(Duration::from_secs(8), request).await;
        answered.store(true, Ordering::SeqCst);
        (answer.expect("answered within 8 s"), started.elapsed())
    };
    let health = async {
        let (mut slowest, mut asked) = (Duration::ZERO, 0);
        while !answered.load(Ordering::SeqCst) {
            let at = Instant::now();
            let health = tokio::time::timeout(Duration::from_secs(2), app.get("/healthz")).await;
            assert_eq!(health.expect("/healthz answers while the store hangs").status(), 200);
            (slowest, asked) = (slowest.max(at.elapsed()), asked + 1);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (slowest, asked)
    };
    let ((answer, took), (slowest_healthz, healthz_asked)) = tokio::join!(request, health);
    Waited { answer, took, slowest_healthz, healthz_asked }
}

/// One HTTP worker: a worker stuck in sled would stop the whole server, `/healthz` included.
async fn spawn_app_with_one_worker() -> TestApp {
    spawn_app_with(|config| config.server.workers = 1).await
}

/// Makes every store write hang until dropped, so that a failing test still lets the threads
/// waiting in the store go (and the app stop).
struct HangingWrites<'a>(&'a TestApp);

impl<'a> HangingWrites<'a> {
    fn start(app: &'a TestApp) -> HangingWrites<'a> {
        app.state.store.faults().hang_writes.store(true, Ordering::SeqCst);
        HangingWrites(app)
    }
}

impl Drop for HangingWrites<'_> {
    fn drop(&mut self) {
        self.0.state.store.faults().clear();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_write_that_hangs_is_a_500_page_at_the_deadline() {
    let app = spawn_app_with_one_worker().await;
    let mut admin = signed_in(&app).await;
    let form = admin.get("/admin/instances").await;
    let hanging = HangingWrites::start(&app);

    let fields = [("url", "https://jira.example.com"), ("type", "server"), ("skip_check", "on")];
    let waited = while_asking_healthz(&app, admin.submit(&form, "/admin/instances", &fields)).await;
    let page = waited.answer;
    assert_eq!(page.status, 500, "{}", page.body);
    assert!(page.has("The database did not answer in time. Please try again in a moment."), "{}", page.body);
    assert!(waited.took < Duration::from_secs(7), "answered at the deadline: {:?}", waited.took);
    assert!(waited.healthz_asked >= 10, "/healthz asked {} times meanwhile", waited.healthz_asked);
    assert!(waited.slowest_healthz < Duration::from_millis(100), "/healthz took {:?}", waited.slowest_healthz);

    // Once the store writes again (shutting down flushes), the console works as before.
    drop(hanging);
    assert_eq!(admin.get("/admin/instances").await.status, 200);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_write_that_hangs_is_a_500_internal_at_the_deadline() {
    let app = spawn_app_with_one_worker().await;
    let hanging = HangingWrites::start(&app);

    let body = serde_json::json!({"url": "https://jira.example.com", "type": "server"});
    let request = app.api(Method::POST, "/instances?skip_check=true").json(&body).send();
    let waited = while_asking_healthz(&app, request).await;
    let response = waited.answer.unwrap();
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal", "{body}");
    assert!(waited.took < Duration::from_secs(7), "answered at the deadline: {:?}", waited.took);
    assert!(waited.slowest_healthz < Duration::from_millis(100), "/healthz took {:?}", waited.slowest_healthz);

    drop(hanging);
    app.shutdown().await;
}
