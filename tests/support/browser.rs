//! A headless Chromium driven over W3C WebDriver (chromedriver), for the console's browser
//! tests. Only the handful of WebDriver commands the tests use, spoken with reqwest.
//!
//! Browser tests take [`Browser::start`]'s lock, so they run one at a time. Without
//! Chromium the tests are skipped locally, but fail in CI (`CI=true`), where `.ci/run`
//! installs it.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use super::commands::free_port;
use tokio::sync::{Mutex, MutexGuard};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

/// Where screenshots go: `<target dir>/screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

impl Browser {
    /// Starts chromedriver on a free port and waits until it answers ready. The port is
    /// free when chosen, but another test's server can take it before chromedriver binds
    /// it; chromedriver then exits, and it is started again on another port.
    async fn start_driver(http: &reqwest::Client) -> (Child, String) {
        for _ in 0..3 {
            let port = free_port();
            // Its own process group, so dropping the browser can stop chromedriver and every
            // Chromium process it started at once, even after a failed test.
            let mut driver = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .process_group(0)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts");
            let base = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(20);
            while driver.try_wait().ok().flatten().is_none() {
                let ready = http.get(format!("{base}/status")).send().await.ok();
                if let Some(r) = ready {
                    if r.json::<Value>().await.ok().is_some_and(|v| v["value"]["ready"] == true) {
                        return (driver, base);
                    }
                }
                assert!(Instant::now() < deadline, "chromedriver did not become ready");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        panic!("chromedriver exited three times on start (its port taken each time?)");
    }

    /// Starts chromedriver and a fresh headless Chromium, or `None` (skip) when they are not
    /// installed outside CI.
    pub async fn start() -> Option<Browser> {
        let installed = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
        if !installed {
            assert!(
                !super::in_ci(),
                "browser tests need chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
            );
            eprintln!("skipping browser test: {CHROMIUM} or {CHROMEDRIVER} is not installed");
            return None;
        }
        let turn = ONE_AT_A_TIME.lock().await;
        let http = reqwest::Client::new();
        let (driver, base) = Self::start_driver(&http).await;
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // Finding an element waits up to 3 s for it, so a page still loading is not a failure.
            "timeouts": {"implicit": 3000, "pageLoad": 30000, "script": 10000},
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let created: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().await.unwrap().json().await.unwrap();
        let session =
            created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_string();
        Some(Browser { driver, base, session, http, _profile: profile, _turn: turn })
    }

    async fn try_command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        match answer["value"]["error"].as_str() {
            Some(error) => Err(format!("WebDriver {path}: {error}: {}", answer["value"]["message"])),
            None => Ok(answer["value"].clone()),
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_command(method, path, body).await.unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn current_url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None).await.as_str().unwrap().to_string()
    }

    pub async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None).await.as_str().unwrap().to_string()
    }

    /// The visible text of the page's body. A click that navigates may still be loading
    /// the next page; then the body found first goes stale, and it is looked up again.
    pub async fn text(&self) -> String {
        for _ in 0..20 {
            let body = self.find("body").await;
            match self.try_command(reqwest::Method::GET, &format!("/element/{body}/text"), None).await {
                Ok(text) => return text.as_str().unwrap().to_string(),
                Err(e) if e.contains("stale element") => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("the page kept changing while its text was read")
    }

    /// The first element matching the CSS selector (panics when there is none).
    pub async fn find(&self, css: &str) -> String {
        let found =
            self.command(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        found[ELEMENT_KEY].as_str().unwrap_or_else(|| panic!("no element {css}: {found}")).to_string()
    }

    /// Every element matching the CSS selector.
    pub async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self
            .command(reqwest::Method::POST, "/elements", Some(json!({"using": "css selector", "value": css})))
            .await;
        found.as_array().unwrap().iter().map(|e| e[ELEMENT_KEY].as_str().unwrap().to_string()).collect()
    }

    /// A DOM property (`value`, `checked`) of the element matching `css`.
    pub async fn property(&self, css: &str, name: &str) -> Value {
        let element = self.find(css).await;
        self.command(reqwest::Method::GET, &format!("/element/{element}/property/{name}"), None).await
    }

    /// Clicks a link or submit button matching `css` and waits until the next page has
    /// replaced this one.
    pub async fn navigate_by(&self, css: &str) {
        let before = self.find("body").await;
        self.click(css).await;
        self.wait_for_new_page(&before).await;
    }

    /// Accepts a `data-confirm` dialog whose form then submits, and waits for the answer.
    pub async fn confirm_and_wait(&self, before: &str) {
        self.accept_alert().await;
        self.wait_for_new_page(before).await;
    }

    /// The id of the current page's body (to wait for a new page after an action).
    pub async fn page_marker(&self) -> String {
        self.find("body").await
    }

    async fn wait_for_new_page(&self, before: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let ready = self
                .try_command(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": "body"})))
                .await;
            if let Ok(found) = ready {
                if found[ELEMENT_KEY].as_str().is_some_and(|id| id != before) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page did not change");
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    /// Replaces the text of the input matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.fill_element(&element, text).await;
    }

    pub async fn fill_element(&self, element: &str, text: &str) {
        self.command(reqwest::Method::POST, &format!("/element/{element}/clear"), Some(json!({}))).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    pub async fn click_element(&self, element: &str) {
        self.command(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]")).await;
    }

    /// Saves a PNG of the viewport as `<screenshot dir>/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let data = self.command(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap()).unwrap();
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Accepts the confirmation dialog a `data-confirm` form opens.
    pub async fn accept_alert(&self) {
        self.command(reqwest::Method::POST, "/alert/accept", Some(json!({}))).await;
    }
}

impl Browser {
    /// Closes Chromium (ending the WebDriver session), then chromedriver.
    pub async fn quit(self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.http.delete(url).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After `quit`, or when a test panicked: the whole process group goes.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
