//! The docs stay true: docs/API.md's shell examples run, in order, against a running
//! jirabridge, and the README's test payload makes a post.

use std::process::Command;

use jirabridge::config::Secret;
use jirabridge::utc::now_ms;

use crate::support::app::spawn_app_with;

/// The ```sh blocks of a Markdown document, in order.
fn shell_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[tokio::test]
async fn the_api_examples_work() {
    // Generated secrets, as on a fresh install: the examples regenerate them.
    let app = spawn_app_with(|c| {
        c.webhook.secret = Secret::default();
        c.admin.api_token = Secret::default();
        // As a real install has it: registering /jira needs it.
        c.server.public_url = "https://jirabridge.example.com".into();
    })
    .await;
    let state = &app.state;
    let (settings, store, key) = (&state.settings, &state.store, &state.master_key);
    let token =
        jirabridge::secrets::admin_token::regenerate(settings, store, key, &state.admin_token_hash, "test", now_ms())
            .expect("a token to start with");
    let secret = state.accepted_secrets().current;
    let root = env!("CARGO_MANIFEST_DIR");
    let docs = std::fs::read_to_string(format!("{root}/docs/API.md")).unwrap();
    let blocks = shell_blocks(&docs);
    assert!(blocks.len() >= 8, "found {} examples", blocks.len());
    let script = format!("set -e\n{}\n", blocks.join("\n"));
    let (address, channel) = (app.address.clone(), app.channel_id.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("sh")
            .args(["-c", &script])
            .current_dir(root)
            .env("JIRABRIDGE", address)
            .env("TOKEN", token)
            .env("CHANNEL_ID", channel)
            .env("SECRET", secret)
            .output()
            .expect("sh and curl run")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "an example failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("created subscription ") && !stdout.contains("created subscription \n"), "{stdout}");
    assert!(stdout.contains("\"jql\":\"Project = OPS"), "{stdout}");
    assert_eq!(app.state.store.subscriptions().unwrap().len(), 1, "one deleted, one added for the replay");
    assert_eq!(app.state.store.event_count(), 1, "the webhook example was stored");
    assert_eq!(app.state.store.all_deliveries().unwrap().len(), 1, "and replayed to the new subscription");
    assert!(stdout.contains("\"secret\":") && stdout.contains("\"previous_valid_until\":"), "{stdout}");
}

/// The README's "test the URL without Jira" payload, sent as its curl sends it, is a post.
#[tokio::test]
async fn the_readmes_test_payload_makes_a_post() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let command = shell_blocks(&readme)
        .into_iter()
        .find(|b| b.contains("/webhook?secret=SECRET") && b.contains("--data"))
        .expect("the README tests the legacy URL");
    let payload = command.split("--data '").nth(1).and_then(|rest| rest.split('\'').next()).unwrap();
    let app = crate::support::app::spawn_app().await;
    let response = app.post_legacy(payload.to_string()).await;
    assert_eq!(response.status(), 200);
    app.deliver().await;
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 1, "one post");
    assert_eq!(
        posts[0].message,
        "Ada Lovelace **created** task [TEST-1: Hello from jirabridge](https://jira.example.com/browse/TEST-1)"
    );
    app.shutdown().await;
}
