//! The command line as an admin uses it: --version, check-config, healthcheck, render.

use std::process::{Command, Output, Stdio};

use crate::support::app::spawn_app;
use crate::support::fixtures::own_dir;

fn jirabridge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jirabridge"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_and_help() {
    let version = jirabridge(&["--version"]);
    assert!(version.status.success());
    assert_eq!(text(&version.stdout).trim(), format!("jirabridge {}", env!("CARGO_PKG_VERSION")));
    let help = jirabridge(&["--help"]);
    for word in ["serve", "check-config", "healthcheck", "render", "--config"] {
        assert!(text(&help.stdout).contains(word), "help mentions {word}");
    }
}

#[test]
fn check_config_accepts_the_example_and_explains_errors() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
    let ok = jirabridge(&["check-config", "--config", example]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("configuration is valid"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[mattermost]\nbot_tokn = \"x\"\n[server]\nlisten = \"nowhere\"\n").unwrap();
    let failed = jirabridge(&["check-config", "--config", bad.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(1));
    let errors = text(&failed.stderr);
    assert!(errors.contains("mattermost.bot_token"), "suggests the right key: {errors}");
    assert!(errors.contains("server.listen"), "reports every error: {errors}");
}

/// A plugin configuration carried over keeps loading, but a key whose feature this version
/// does not have is named, so nobody waits for it to work.
#[test]
fn check_config_names_settings_that_have_no_effect_yet() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "[mattermost]\nissue_previews = \"links\"\nenable_autocomplete = false\n[jira]\nteam_ids = \"[Ops](1)\"\n\
         [security]\nsubscription_editors = \"users\"\nsubscription_editor_jira_groups = [\"jira-admins\"]\n",
    )
    .unwrap();
    let checked = jirabridge(&["check-config", "--config", file.to_str().unwrap()]);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    let out = text(&checked.stdout);
    assert!(
        out.contains("note: mattermost.issue_previews is set, but this version of jirabridge has no previews of Jira issue links yet"),
        "{out}"
    );
    assert!(!out.contains("jira.team_ids"), "Team fields in the create form use it: {out}");
    assert!(!out.contains("enable_autocomplete"), "a key whose feature exists is not named: {out}");
    assert!(!out.contains("subscription_editor"), "chat's subscription editor obeys both keys: {out}");
    assert!(!out.contains("jira.max_attachment_size"), "keys left at their default are not named: {out}");
}

#[test]
fn jirabridge_config_names_the_file_when_config_is_not_given() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[server]\nlisten = \"nowhere\"\n").unwrap();
    let checked = Command::new(env!("CARGO_BIN_EXE_jirabridge"))
        .arg("check-config")
        .env_clear()
        .env("JIRABRIDGE_CONFIG", &bad)
        .output()
        .expect("binary runs");
    assert_eq!(checked.status.code(), Some(1), "the file was read: {}", text(&checked.stdout));
    assert!(text(&checked.stderr).contains("server.listen"), "{}", text(&checked.stderr));
}

#[test]
fn a_missing_config_file_is_an_error() {
    let failed = jirabridge(&["check-config", "--config", "/nonexistent/jirabridge.toml"]);
    assert_eq!(failed.status.code(), Some(1));
}

#[test]
fn render_prints_events_and_posts() {
    let file = own_dir().join("cloud-issue-created.json");
    let out = jirabridge(&["render", file.to_str().unwrap()]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["events"], serde_json::json!(["event_created"]));
    assert_eq!(json["posts"][0]["props"]["attachments"][0]["fields"][1]["value"], "High");

    let ignored = jirabridge(&["render", own_dir().join("cloud-worklog-updated.json").to_str().unwrap()]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&ignored.stdout).unwrap(),
        serde_json::json!({"events": [], "posts": []})
    );
    let why = String::from_utf8_lossy(&ignored.stderr);
    assert!(why.contains("no post: jirabridge does not post worklog_updated events"), "{why}");
    assert!(String::from_utf8_lossy(&out.stderr).is_empty(), "nothing on stderr when there is a post");
}

#[test]
fn render_says_why_a_payload_gives_no_post() {
    for (fixture, reason) in [
        ("server-comment-created-standalone.json", "comment_created without its issue"),
        ("cloud-issue-updated-timeestimate-only.json", "changes only fields jirabridge does not post (timeestimate)"),
    ] {
        let out = jirabridge(&["render", own_dir().join(fixture).to_str().unwrap()]);
        assert!(out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(reason), "{fixture}: {stderr}");
    }
}

#[test]
fn render_of_non_json_from_stdin_exits_2_with_one_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jirabridge"))
        .args(["render", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"not json at all").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).trim().lines().count(), 1);
}

#[tokio::test]
async fn healthcheck_asks_the_running_server() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[server]\nlisten = \"127.0.0.1:{port}\"\n")).unwrap();
    let config = config.to_str().unwrap().to_string();
    let up = tokio::task::spawn_blocking(move || jirabridge(&["healthcheck", "--config", &config])).await.unwrap();
    assert!(up.status.success(), "{}", text(&up.stderr));
    app.shutdown().await;

    let closed = dir.path().join("closed.toml");
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(&closed, format!("[server]\nlisten = \"127.0.0.1:{free}\"\n")).unwrap();
    let down = jirabridge(&["healthcheck", "--config", closed.to_str().unwrap()]);
    assert_eq!(down.status.code(), Some(1));
}
