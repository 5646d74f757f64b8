//! HTTPS without a proxy (`server.tls_cert_file`, `server.tls_key_file`): Jira, browsers and
//! the healthcheck reach jirabridge over TLS with the configured certificate, and a wrong
//! file is an error before anything listens.

use std::process::Command;

use reqwest::StatusCode;

use crate::support::app::{spawn_app_with, SECRET};
use crate::support::fixtures::{own, own_dir};

fn tls_file(name: &str) -> String {
    own_dir().join("tls").join(name).display().to_string()
}

/// The test configuration serving HTTPS with the test certificate.
fn serve_https(config: &mut jirabridge::config::Config) {
    config.server.tls_cert_file = tls_file("localhost.crt");
    config.server.tls_key_file = tls_file("localhost.key");
}

/// A client that trusts only the test CA, which issued the server certificate (for
/// localhost and 127.0.0.1).
fn trusting_client() -> reqwest::Client {
    let pem = std::fs::read(tls_file("ca.crt")).unwrap();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn webhooks_and_the_console_are_served_over_https() {
    let app = spawn_app_with(serve_https).await;
    let base = app.address.replace("http://", "https://");
    let client = trusting_client();

    let url = format!("{base}/webhook?secret={SECRET}&team=eng&channel=jira-feed");
    let response = client.post(&url).body(own("cloud-issue-created.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.deliver().await, 1);
    assert_eq!(app.channel_posts().len(), 1);

    // Browsers get their console cookies only over the encrypted connection.
    let login = client.get(format!("{base}/admin/login")).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = login.headers().get("set-cookie").expect("a form cookie").to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");

    // Plain HTTP on the same port gets no answer it could take for a page.
    let plain = reqwest::Client::new().get(format!("{}/healthz", app.address)).send().await;
    assert!(plain.is_err() || plain.unwrap().status() != StatusCode::OK);
    app.shutdown().await;
}

#[tokio::test]
async fn healthcheck_speaks_https_when_the_server_does() {
    let app = spawn_app_with(serve_https).await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let body = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\ntls_cert_file = \"{}\"\ntls_key_file = \"{}\"\n",
        tls_file("localhost.crt"),
        tls_file("localhost.key")
    );
    std::fs::write(&config, body).unwrap();
    let config = config.display().to_string();
    let run =
        move || Command::new(env!("CARGO_BIN_EXE_jirabridge")).args(["healthcheck", "--config", &config]).output();
    let up = tokio::task::spawn_blocking(run).await.unwrap().unwrap();
    assert!(up.status.success(), "{}", String::from_utf8_lossy(&up.stderr));
    app.shutdown().await;
}

#[test]
fn check_config_reads_the_certificate_and_names_a_wrong_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let write = |key: &str| {
        let body = format!("[server]\ntls_cert_file = \"{}\"\ntls_key_file = \"{key}\"\n", tls_file("localhost.crt"));
        std::fs::write(&config, body).unwrap();
    };
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_jirabridge"))
            .args(["check-config", "--config", config.to_str().unwrap()])
            .env_clear()
            .output()
            .unwrap()
    };
    write(&tls_file("localhost.key"));
    let good = check();
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));

    write(&tls_file("other.key"));
    let mismatched = check();
    assert_eq!(mismatched.status.code(), Some(1));
    let said = String::from_utf8_lossy(&mismatched.stderr);
    assert!(said.contains("do not make a usable pair"), "{said}");

    write("/nonexistent/key.pem");
    let missing = check();
    assert_eq!(missing.status.code(), Some(1));
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(said.contains("server.tls_key_file /nonexistent/key.pem: cannot read it"), "{said}");
}
