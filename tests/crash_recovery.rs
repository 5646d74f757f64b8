//! The real binary, killed with SIGKILL while Mattermost misbehaves, restarted: every
//! acknowledged event is posted exactly once (SPEC §4.6). Also: SIGTERM stops cleanly.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::support::app::{CHANNEL, SECRET, TEAM};
use crate::support::commands::{free_port, serve_with_mattermost, wait_until_serving};
use crate::support::fake_mattermost::{Failure, FakeMattermost};
use crate::support::fixtures::own;

struct Binary {
    port: u16,
    data: std::path::PathBuf,
    config: std::path::PathBuf,
    mm_url: String,
}

impl Binary {
    fn start(&self) -> Child {
        serve_with_mattermost(self.port, &self.data, &self.mm_url)
            .args(["--config", self.config.to_str().unwrap()])
            .spawn()
            .expect("binary starts")
    }

    fn webhook_url(&self) -> String {
        format!("http://127.0.0.1:{}/webhook?secret={SECRET}&team={TEAM}&channel={CHANNEL}", self.port)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_events_survive_sigkill_and_are_posted_exactly_once() {
    let mm = FakeMattermost::start().await;
    let team_id = mm.add_team(TEAM);
    let channel_id = mm.add_channel(&team_id, CHANNEL);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "# settings come from the environment\n").unwrap();
    let binary = Binary { port: free_port(), data: dir.path().join("data"), config, mm_url: mm.url() };
    let http = reqwest::Client::new();

    // Mattermost answers slower than our timeout: posts may or may not exist.
    mm.fail_route("POST", "/api/v4/posts", Failure::Delay(Duration::from_millis(1300)));
    let mut child = binary.start();
    wait_until_serving(binary.port).await;
    let template = String::from_utf8(own("cloud-issue-created.json")).unwrap();
    let keys: Vec<String> = (1..=12).map(|n| format!("CRASH-{n}")).collect();
    for key in &keys {
        let issue_id = format!("7{}", key.trim_start_matches("CRASH-"));
        let body = template.replace("OPS-12", key).replace("20017", &issue_id);
        let response = http.post(binary.webhook_url()).body(body).send().await.unwrap();
        assert_eq!(response.status(), 200, "acknowledged");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    mm.heal();
    let mut child = binary.start();
    wait_until_serving(binary.port).await;
    let deadline = Instant::now() + Duration::from_secs(40);
    while mm.posts_per_issue(&channel_id).len() < keys.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counts = mm.posts_per_issue(&channel_id);
    for key in &keys {
        assert_eq!(counts.get(key), Some(&1), "{key} posted exactly once: {counts:?}");
    }
    assert_eq!(counts.len(), keys.len(), "{counts:?}");

    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "SIGTERM stops cleanly: {status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
