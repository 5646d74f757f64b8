//! A real full disk (SPEC §4.6): the built binary's data directory on a small tmpfs, filled
//! through webhooks, then freed, with the binary restarted whenever it exits, as the unit's
//! `Restart=on-failure` would. Needs root for the mount (CI runs as root; elsewhere the test
//! says so and stops, except under `CI=true`, where that fails it).
//!
//! Checks: a webhook is answered 200 only when stored (every acknowledged event is posted
//! exactly once once Mattermost is back), refusals are 503 with `Retry-After: 30`,
//! `/healthz` answers within 100 ms throughout, SIGTERM ends the process while the disk is
//! full, and 200s come back within 30 s of freeing space.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;

use crate::support::app::{CHANNEL, SECRET, TEAM};
use crate::support::commands::{free_port, serve_with_mattermost, wait_until_serving};
use crate::support::fake_mattermost::FakeMattermost;
use crate::support::fixtures::own;

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let mounted =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(at).status();
        if mounted.is_ok_and(|s| s.success()) {
            return Some(Tmpfs(at.to_path_buf()));
        }
        assert!(!crate::support::in_ci(), "CI=true but a tmpfs cannot be mounted (the test needs root)");
        eprintln!("skipping the full-disk test: mounting a tmpfs needs root");
        None
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The binary as the unit runs it; killed if the test ends early.
struct Service {
    child: Option<Child>,
    port: u16,
    data: PathBuf,
    mm_url: String,
}

impl Service {
    fn start(&mut self) {
        let mut command = serve_with_mattermost(self.port, &self.data, &self.mm_url);
        let child = command.env("JIRABRIDGE_SERVER__SHUTDOWN_GRACE_SECS", "2").spawn().expect("binary starts");
        self.child = Some(child);
    }

    /// Restarts the process if it ended (as `Restart=on-failure` does); its exit status.
    fn restart_if_ended(&mut self) -> Option<i32> {
        let status = self.child.as_mut()?.try_wait().unwrap()?;
        self.start();
        Some(status.code().unwrap_or(-1))
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/webhook?secret={SECRET}&team={TEAM}&channel={CHANNEL}", self.port)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An issue-created payload for `key` whose description is 48 KB that do not compress, so
/// a few dozen fill the disk.
fn bulky_issue(template: &str, key: &str, n: u64) -> String {
    let mut state = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let noise: Vec<u8> = (0..36_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let description = base64::engine::general_purpose::STANDARD.encode(noise);
    let mut payload: serde_json::Value = serde_json::from_str(template).unwrap();
    payload["issue"]["key"] = key.into();
    payload["issue"]["id"] = format!("8{n}").into();
    payload["issue"]["fields"]["description"] = description.into();
    payload.to_string()
}

/// Asks `/healthz` every 50 ms until stopped; the slowest answer, or a failure.
fn watch_health(port: u16, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Result<Duration, String>> {
    tokio::spawn(async move {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
        let mut slowest = Duration::ZERO;
        while !stop.load(Ordering::SeqCst) {
            let asked = Instant::now();
            let answer = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await;
            match answer {
                Ok(r) if r.status() == 200 => slowest = slowest.max(asked.elapsed()),
                other => return Err(format!("/healthz failed: {other:?}")),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(slowest)
    })
}

/// Fills what is left of the disk with a ballast file.
fn fill(ballast: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(ballast).unwrap();
    while file.write_all(&[0u8; 64 * 1024]).is_ok() {}
}

/// Jira's side: numbered webhooks, and the keys that were acknowledged.
struct Webhooks {
    http: reqwest::Client,
    template: String,
    sent: u64,
    acknowledged: Vec<String>,
}

impl Webhooks {
    fn new() -> Webhooks {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
        let template = String::from_utf8(own("cloud-issue-created.json")).unwrap();
        Webhooks { http, template, sent: 0, acknowledged: Vec::new() }
    }

    /// Sends one; its status, or `None` when nothing answered.
    async fn send(&mut self, service: &Service) -> Option<reqwest::Response> {
        self.sent += 1;
        let key = format!("FULL-{}", self.sent);
        let body = bulky_issue(&self.template, &key, self.sent);
        let response = self.http.post(service.url()).body(body).send().await.ok()?;
        match response.status().as_u16() {
            200 => self.acknowledged.push(key),
            503 => assert_eq!(response.headers().get("retry-after").unwrap(), "30"),
            other => panic!("webhook {key} answered {other}"),
        }
        Some(response)
    }

    /// Sends until five in a row are refused (the disk is full).
    async fn until_refused(&mut self, service: &Service) {
        let (before, mut refused_in_a_row) = (self.acknowledged.len(), 0);
        while refused_in_a_row < 5 {
            assert!(self.sent < 1000, "the disk never filled");
            let response = self.send(service).await.expect("answered while filling");
            refused_in_a_row = if response.status() == 503 { refused_in_a_row + 1 } else { 0 };
        }
        assert!(self.acknowledged.len() > before, "some webhooks were stored before the disk filled");
    }

    /// Sends every 500 ms until one is stored, restarting the service when it ends, for at
    /// most 30 s; the exit statuses seen.
    async fn until_stored(&mut self, service: &mut Service) -> Vec<i32> {
        let (started, mut exits) = (Instant::now(), Vec::new());
        loop {
            assert!(started.elapsed() < Duration::from_secs(30), "no 200 within 30 s of freeing; exits {exits:?}");
            if let Some(status) = service.restart_if_ended() {
                exits.push(status);
            }
            if self.send(service).await.is_some_and(|r| r.status() == 200) {
                return exits;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_webhooks_and_recovers_without_losing_one() {
    let work = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&work.path().join("disk"), "16m") else { return };
    let ballast = disk.0.join("ballast");
    std::fs::write(&ballast, vec![0u8; 10 << 20]).unwrap();

    let mm = FakeMattermost::start().await;
    let team_id = mm.add_team(TEAM);
    let channel_id = mm.add_channel(&team_id, CHANNEL);
    mm.stop().await; // Mattermost is down: every post waits in the outbox.
    let mut service = Service { child: None, port: free_port(), data: disk.0.join("data"), mm_url: mm.url() };
    service.start();
    wait_until_serving(service.port).await;

    // Fill the disk through webhooks while /healthz is watched.
    let stop_watching = Arc::new(AtomicBool::new(false));
    let health = watch_health(service.port, stop_watching.clone());
    let mut webhooks = Webhooks::new();
    webhooks.until_refused(&service).await;
    let readyz = webhooks.http.get(format!("http://127.0.0.1:{}/readyz", service.port)).send();
    let ready: serde_json::Value = readyz.await.unwrap().json().await.unwrap();
    assert_eq!(ready["store"], "unwritable", "{ready}");
    tokio::time::sleep(Duration::from_secs(2)).await; // a probe or two while full
    stop_watching.store(true, Ordering::SeqCst);
    let slowest = health.await.unwrap().expect("/healthz answered while the disk filled");
    assert!(slowest < Duration::from_millis(100), "/healthz took {slowest:?}");

    // Free the space: within 30 s webhooks are stored again, restarts (exit 75) included.
    std::fs::remove_file(&ballast).unwrap();
    let exits = webhooks.until_stored(&mut service).await;
    eprintln!("stored again after freeing; exits while recovering: {exits:?}");

    // Full again, then SIGTERM: gone within shutdown_grace_secs + 5.
    fill(&ballast);
    webhooks.until_refused(&service).await;
    assert!(Command::new("kill").args(["-TERM", &service.pid().to_string()]).status().unwrap().success());
    let asked = Instant::now();
    while service.child.as_mut().unwrap().try_wait().unwrap().is_none() {
        assert!(asked.elapsed() < Duration::from_secs(8), "still running {:?} after SIGTERM", asked.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    std::fs::remove_file(&ballast).unwrap();
    service.start();
    webhooks.until_stored(&mut service).await;
    let acknowledged = webhooks.acknowledged;
    eprintln!("{} webhooks acknowledged", acknowledged.len());

    // Mattermost returns: every acknowledged event is posted, exactly once.
    mm.restart().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.iter().any(|k| !mm.posts_per_issue(&channel_id).contains_key(k)) {
        assert!(Instant::now() < deadline, "not every acknowledged event was posted");
        service.restart_if_ended();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counts = mm.posts_per_issue(&channel_id);
    for key in &acknowledged {
        assert_eq!(counts.get(key), Some(&1), "{key} posted exactly once");
    }
    assert!(counts.values().all(|c| *c == 1), "nothing posted twice: {counts:?}");
}
