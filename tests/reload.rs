//! `systemctl reload jirabridge` (SIGHUP): the config file is read again and applies without
//! a restart; start-up-only keys wait for one, and a broken file changes nothing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::commands::{free_port, wait_until_serving};

const SECRET: &str = "reload-test-secret-0123456789ab";

fn config(data: &std::path::Path, max_body_bytes: u64, listen_port: u16, secret: &str) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:{listen_port}\"\n[store]\npath = \"{}\"\n[webhook]\nsecret = \"{secret}\"\nmax_body_bytes = {max_body_bytes}\n",
        data.display()
    )
}

fn hangup(pid: u32) {
    assert!(Command::new("kill").args(["-HUP", &pid.to_string()]).status().unwrap().success());
}

#[tokio::test]
async fn sighup_reads_the_config_file_again() {
    let dir = tempfile::tempdir().unwrap();
    let (port, data, file) = (free_port(), dir.path().join("data"), dir.path().join("config.toml"));
    std::fs::write(&file, config(&data, 4096, port, SECRET)).unwrap();
    // Standing in for systemd's notification socket (Type=notify).
    let notify_path = dir.path().join("notify.sock");
    let systemd = std::os::unix::net::UnixDatagram::bind(&notify_path).unwrap();
    systemd.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let told = move || {
        let mut buffer = [0u8; 256];
        let n = systemd.recv(&mut buffer).expect("a notification within 10 s");
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    };
    let child = Command::new(env!("CARGO_BIN_EXE_jirabridge"))
        .args(["serve", "--config", file.to_str().unwrap()])
        .env_clear()
        .env("NOTIFY_SOCKET", &notify_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_serving(port).await;
    let http = reqwest::Client::new();
    assert_eq!(told(), "READY=1", "systemd hears that jirabridge serves");
    let url = format!("http://127.0.0.1:{port}/webhook?secret={SECRET}&team=eng&channel=town-square");
    let body = format!(r#"{{"webhookEvent":"jira:worklog_updated","pad":"{}"}}"#, "a".repeat(3000));
    let status = async |body: &str| http.post(&url).body(body.to_string()).send().await.unwrap().status().as_u16();
    assert_eq!(status(&body).await, 200, "3 KB is under the 4 KB limit");

    // A smaller limit, a new port (start-up only) and a new secret (taken at start), then
    // reload.
    std::fs::write(&file, config(&data, 2048, free_port(), "a-new-secret-set-in-the-file-0123")).unwrap();
    hangup(child.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&body).await != 413 {
        assert!(Instant::now() < deadline, "the new limit never applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    assert_eq!((told(), told()), ("RELOADING=1".to_string(), "READY=1".to_string()));
    assert_eq!(status(r#"{"webhookEvent":"jira:worklog_updated"}"#).await, 200, "the secret of the start still works");

    // A file with an error changes nothing.
    std::fs::write(&file, "[webhook]\nmax_body_bytes = \"lots\"\n").unwrap();
    hangup(child.id());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(status(&body).await, 413, "still the reloaded limit, on the port bound at start");
    assert_eq!(status(r#"{"webhookEvent":"jira:worklog_updated"}"#).await, 200);

    assert_eq!((told(), told()), ("RELOADING=1".to_string(), "READY=1".to_string()), "refused, but over");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    assert_eq!(told(), "STOPPING=1");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("configuration read again (SIGHUP) and in force"), "{log}");
    assert!(log.contains("server.listen changed in the configuration; it applies when jirabridge restarts"), "{log}");
    assert!(log.contains("webhook.secret changed in the configuration; it applies when jirabridge restarts"), "{log}");
    assert!(!log.contains("a-new-secret-set-in-the-file"), "{log}");
    assert!(log.contains("configuration not reloaded: it has errors"), "{log}");
    assert!(!log.contains(SECRET), "{log}");
}
