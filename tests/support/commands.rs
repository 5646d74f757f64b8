//! Running the real binary's store commands (`backup`, `restore`, `admin set-password`)
//! against a data directory, as an admin would from a shell.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jirabridge::store::Store;

/// A configuration file whose only setting is `store.path = data_dir`, written in `dir`.
pub fn config_for(dir: &Path, data_dir: &Path) -> PathBuf {
    let config = dir.join(format!("config-{}.toml", data_dir.file_name().unwrap().to_string_lossy()));
    let path = serde_json::to_string(&data_dir.to_string_lossy()).unwrap();
    std::fs::write(&config, format!("[store]\npath = {path}\n")).unwrap();
    config
}

/// Runs `jirabridge ARGS --config CONFIG` with `stdin` piped in; nothing from our environment.
pub fn jirabridge(config: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jirabridge"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// The same, from async tests whose runtime must keep serving the in-process app.
pub async fn jirabridge_async(config: &Path, args: &[&str], stdin: &str) -> Output {
    let (config, stdin) = (config.to_path_buf(), stdin.to_string());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        jirabridge(&config, &args, &stdin)
    })
    .await
    .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a failed command: exit 1 and a sentence containing `expected`, no panic.
pub fn assert_refused(output: &Output, expected: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(err.contains(expected), "stderr mentions {expected:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Opens the store at `data_dir` in this process from a thread outside any runtime (so no
/// background tasks keep it open), waiting while a stopped app still releases sled's lock.
pub fn open_store(data_dir: &Path) -> Store {
    let data_dir = data_dir.to_path_buf();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match Store::open(&data_dir, &Default::default()) {
                Ok(store) => return store,
                Err(e) if Instant::now() > deadline => panic!("store does not open: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    })
    .join()
    .unwrap()
}

/// `jirabridge serve` as the tests run it: listening on `port`, the tests' webhook secret,
/// warnings only, output discarded, nothing from our environment.
pub fn serve_command(port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jirabridge"));
    command
        .arg("serve")
        .env_clear()
        .env("JIRABRIDGE_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("JIRABRIDGE_WEBHOOK__SECRET", super::app::SECRET)
        .env("JIRABRIDGE_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// [`serve_command`] with its store in `data`, posting to the fake Mattermost at `mm_url`
/// with short timeouts and retries.
pub fn serve_with_mattermost(port: u16, data: &Path, mm_url: &str) -> Command {
    let mut command = serve_command(port);
    command
        .env("JIRABRIDGE_STORE__PATH", data)
        .env("JIRABRIDGE_MATTERMOST__URL", mm_url)
        .env("JIRABRIDGE_MATTERMOST__BOT_TOKEN", super::fake_mattermost::BOT_TOKEN)
        .env("JIRABRIDGE_MATTERMOST__REQUEST_TIMEOUT_SECS", "1")
        .env("JIRABRIDGE_MATTERMOST__RETRY_INITIAL_MS", "20")
        .env("JIRABRIDGE_MATTERMOST__RETRY_MAX_SECS", "1");
    command
}

/// A loopback port nobody listens on now, for a server the test starts itself. Taken below
/// the kernel's range for outgoing connections (32768 and up by default): a port the kernel
/// picked would be free now, but any client socket of another test could take it before
/// the server binds it. Each call moves on, so no two tests of this process get the same.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let seed = std::process::id().wrapping_mul(7919) % SPAN;
    let _ = NEXT.compare_exchange(0, seed + 1, Ordering::SeqCst, Ordering::SeqCst);
    loop {
        let port = (FIRST + NEXT.fetch_add(1, Ordering::SeqCst) % SPAN) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Waits (up to 20 s) until the jirabridge a test started answers `/healthz` on `port`.
pub async fn wait_until_serving(port: u16) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !http.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
        assert!(Instant::now() < deadline, "jirabridge did not start serving on port {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The bytes of every file under `dir`, to look for what must not be stored in clear.
pub fn every_file_under(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths = vec![dir.to_path_buf()];
    let mut contents = Vec::new();
    while let Some(path) = paths.pop() {
        if path.is_dir() {
            paths.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
        } else {
            contents.push(std::fs::read(&path).unwrap());
        }
    }
    contents
}
