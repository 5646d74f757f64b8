//! `spawn_app`: a running jirabridge wired to a fake Mattermost, with one method per
//! thing a user or Jira does.

use std::sync::Arc;
use std::time::Duration;

use jirabridge::app::{Application, RunOptions};
use jirabridge::config::{Config, LoadedConfig, Secret};
use jirabridge::delivery::Worker;
use jirabridge::web::AppState;
use tokio::sync::watch;

use super::fake_mattermost::{FakeMattermost, BOT_TOKEN};

pub const SECRET: &str = "test-webhook-secret-0123456789ab";
pub const TEAM: &str = "eng";
pub const CHANNEL: &str = "jira-feed";
pub const ADMIN_TOKEN: &str = "test-admin-api-token-0123456789";

pub struct TestApp {
    pub address: String,
    pub mm: FakeMattermost,
    pub channel_id: String,
    pub team_id: String,
    pub worker: Arc<Worker>,
    pub state: actix_web::web::Data<AppState>,
    pub http: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// A test configuration: temporary store, fast retries, the fake's URL and token.
pub fn test_config(mm: &FakeMattermost, data_dir: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".into();
    config.store.path = data_dir.to_path_buf();
    config.mattermost.url = mm.url();
    config.mattermost.bot_token = Secret::new(BOT_TOKEN.into());
    config.mattermost.retry_initial_ms = 1;
    config.mattermost.retry_max_secs = 1;
    config.mattermost.request_timeout_secs = 2;
    config.webhook.secret = Secret::new(SECRET.into());
    config.admin.api_token = Secret::new(ADMIN_TOKEN.into());
    // The fake Jira listens on loopback, which jirabridge refuses to call by default.
    config.jira.allow_loopback = true;
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with the test configuration changed by `adjust`. The delivery worker
/// does not run by itself: tests call [`TestApp::deliver`].
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mm = FakeMattermost::start().await;
    let team_id = mm.add_team(TEAM);
    let channel_id = mm.add_channel(&team_id, CHANNEL);
    let data_dir = tempfile::tempdir().expect("temp dir");
    spawn_app_on(Kept { mm, team_id, channel_id, data_dir }, adjust).await
}

/// What outlives a stopped app for the next one: the fake Mattermost with its team and
/// channel, and the data directory.
pub struct Kept {
    pub mm: FakeMattermost,
    pub team_id: String,
    pub channel_id: String,
    pub data_dir: tempfile::TempDir,
}

/// Starts the app again on what an earlier one `kept`, configured by `adjust`.
pub async fn spawn_app_on(kept: Kept, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let Kept { mm, team_id, channel_id, data_dir } = kept;
    let mut config = test_config(&mm, data_dir.path());
    adjust(&mut config);
    let loaded = LoadedConfig { config, file: None, sources: Default::default() };
    // The store probe runs every second, so tests of a failing store see it recover quickly.
    let options = RunOptions { background_worker: false, probe_every: Duration::from_secs(1), ..RunOptions::default() };
    let app = Application::build(loaded, options).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (worker, state) = (app.worker(), app.state());
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(app.run_until_stopped(Some(stop_rx)));
    TestApp { address, mm, channel_id, team_id, worker, state, http: reqwest::Client::new(), data_dir, stop, task }
}

impl TestApp {
    /// The legacy webhook URL for the test channel, with extra query parameters.
    pub fn legacy_url(&self, extra: &str) -> String {
        format!("{}/webhook?secret={SECRET}&team={TEAM}&channel={CHANNEL}{extra}", self.address)
    }

    /// Jira posts `body` to `url`.
    pub async fn post(&self, url: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http.post(url).header("content-type", "application/json").body(body).send().await.expect("request sent")
    }

    /// Jira posts a payload to the default legacy URL.
    pub async fn post_legacy(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.post(&self.legacy_url(""), body).await
    }

    /// An admin API call with the admin token.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}/api/v1{path}", self.address)).bearer_auth(ADMIN_TOKEN)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.address)).send().await.expect("request sent")
    }

    /// Runs the delivery worker until nothing is due; returns the attempts made.
    pub async fn deliver(&self) -> usize {
        self.worker.run_once().await.expect("delivery pass")
    }

    /// Waits (up to 30 s) until no event waits to be routed (a Jira Cloud comment whose issue
    /// the router reads from Jira after the ack).
    pub async fn until_routed(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !self.state.store.pending_routing().expect("pending routing read").is_empty() {
            assert!(std::time::Instant::now() < deadline, "events still wait to be routed");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Posts in the test channel.
    pub fn channel_posts(&self) -> Vec<super::fake_mattermost::Post> {
        self.mm.posts(&self.channel_id)
    }

    /// `line` (starting with `/jira`) run by `user_id` in the test channel with the command
    /// token `token`, as Mattermost sends it; answers what Mattermost got back.
    pub async fn slash(&self, user_id: &str, token: &str, line: &str) -> super::fake_mattermost::CommandReply {
        self.slash_in(&self.channel_id, "", (user_id, token, line)).await
    }

    /// A command run in `channel_id`, in the thread of `root_id` (empty: not in a thread).
    pub async fn slash_in(
        &self,
        channel_id: &str,
        root_id: &str,
        (user_id, token, line): (&str, &str, &str),
    ) -> super::fake_mattermost::CommandReply {
        let url = format!("{}/mattermost/command", self.address);
        let command = super::fake_mattermost::SlashCommand {
            url: &url,
            token,
            team_id: &self.team_id,
            channel_id,
            user_id,
            line,
            root_id,
        };
        self.mm.run_command(command).await
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.task.await.expect("app task").expect("clean stop");
    }

    /// Stops the app cleanly and keeps its data and the fake Mattermost, to start again.
    pub async fn stop_keeping_everything(self) -> Kept {
        let _ = self.stop.send(true);
        self.task.await.expect("app task").expect("clean stop");
        Kept { mm: self.mm, team_id: self.team_id, channel_id: self.channel_id, data_dir: self.data_dir }
    }

    /// Stops the app cleanly and hands over its data directory, to use it stopped.
    pub async fn stop_keeping_data(self) -> tempfile::TempDir {
        let _ = self.stop.send(true);
        self.task.await.expect("app task").expect("clean stop");
        self.data_dir
    }
}
