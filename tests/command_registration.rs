//! Registering `/jira` in a team (SPEC §9.7): through the API as the bot, with a system
//! admin's token when the bot may not, refused when the team has a `/jira` already; the
//! registered token works in its own team only; the command follows
//! `mattermost.enable_autocomplete`;
//! and docs/SETUP.md's manual steps match what registration sends.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app_on, spawn_app_with, TestApp};
use crate::support::fake_mattermost::SlashCommand;

const PUBLIC: &str = "https://jirabridge.example.com";

async fn app() -> TestApp {
    spawn_app_with(|c| c.server.public_url = PUBLIC.into()).await
}

async fn register(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app.api(Method::POST, "/mattermost/commands").json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn run(app: &TestApp, team_id: &str, channel_id: &str, user_id: &str, token: &str) -> u16 {
    let url = format!("{}/mattermost/command", app.address);
    let command = SlashCommand { url: &url, token, team_id, channel_id, user_id, line: "/jira help", root_id: "" };
    app.mm.run_command(command).await.status
}

#[tokio::test]
async fn the_bot_registers_jira_and_its_token_works_in_that_team_only() {
    let app = app().await;
    let (status, body) = register(&app, json!({"team_id": app.team_id})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let commands = app.mm.team_commands(&app.team_id);
    let command = &commands[0];
    assert_eq!(body, json!({"command_id": command["id"], "team_id": app.team_id}));
    assert_eq!(command["trigger"], "jira");
    assert_eq!(command["method"], "P");
    assert_eq!(command["url"], format!("{PUBLIC}/mattermost/command"));
    assert_eq!(command["auto_complete"], true);
    assert_eq!(command["creator_id"], app.mm.bot_user_id());
    let token = command["token"].as_str().unwrap().to_string();
    let user = app.mm.add_user("ann", "system_user");
    assert_eq!(run(&app, &app.team_id, &app.channel_id, &user, &token).await, 200);
    let other_team = app.mm.add_team("ops");
    let other_channel = app.mm.add_channel(&other_team, "town-square");
    assert_eq!(run(&app, &other_team, &other_channel, &user, &token).await, 401, "team A's token from team B");
    let audit: Value = app.api(Method::GET, "/audit").send().await.unwrap().json().await.unwrap();
    assert!(audit.to_string().contains("mattermost.command.register"), "{audit}");
    assert!(!audit.to_string().contains(&token), "the token is never in the audit log");
    assert!(audit[0]["at"].as_u64().is_some_and(|at| at > 0), "SPEC §3.5 names the time `at`: {audit}");
    app.shutdown().await;
}

/// Without `server.public_url` the command would point Mattermost at the listen address:
/// nothing is registered, and the answer says what to set.
#[tokio::test]
async fn no_command_is_registered_without_a_public_url() {
    let app = spawn_app_with(|c| c.server.public_url = String::new()).await;
    let (status, body) = register(&app, json!({"team_id": app.team_id})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains("server.public_url is not set"), "{body}");
    assert!(app.mm.team_commands(&app.team_id).is_empty(), "nothing registered");
    app.shutdown().await;
}

#[tokio::test]
async fn without_the_permission_the_manual_steps_come_back_and_an_admin_token_works() {
    let app = app().await;
    app.mm.deny_bot_command_management();
    let (status, body) = register(&app, json!({"team_id": app.team_id})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Integrations > Slash Commands") && message.contains("mattermost.command_tokens"),
        "{message}"
    );
    let admin = app.mm.add_user("root", "system_user system_admin");
    let admin_token = app.mm.add_user_token(&admin);
    let (status, _) = register(&app, json!({"team_id": app.team_id, "admin_token": admin_token})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.mm.team_commands(&app.team_id).len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn a_team_with_a_jira_command_already_is_left_alone() {
    let app = app().await;
    let plugin_like =
        json!({"team_id": app.team_id, "trigger": "jira", "method": "P", "url": "https://plugin.example/cmd"});
    app.mm.add_command(plugin_like);
    let (status, body) = register(&app, json!({"team_id": app.team_id})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"]["message"],
        "Mattermost already has a /jira command in team eng; disable the Jira plugin or delete that command first."
    );
    assert_eq!(app.mm.team_commands(&app.team_id).len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn registering_again_keeps_the_one_command() {
    let app = app().await;
    let (first, body) = register(&app, json!({"team_id": app.team_id})).await;
    let (again, body_again) = register(&app, json!({"team_id": app.team_id})).await;
    assert_eq!((first, again), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(body, body_again);
    assert_eq!(app.mm.team_commands(&app.team_id).len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn turning_autocomplete_off_updates_the_registered_command() {
    let app = app().await;
    register(&app, json!({"team_id": app.team_id})).await;
    let patch = json!({"mattermost.enable_autocomplete": false});
    let response = app.api(Method::PATCH, "/settings").json(&patch).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let command = app.mm.team_commands(&app.team_id)[0].clone();
        if command["auto_complete"] == false {
            assert_eq!(command["url"], format!("{PUBLIC}/mattermost/command"));
            break;
        }
        assert!(Instant::now() < deadline, "the command still autocompletes: {command}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.shutdown().await;
}

/// SPEC §9.7: a new `server.public_url` takes a restart, and at start every registered
/// command is put again with the new URL, its token unchanged, so `/jira` keeps working.
#[tokio::test]
async fn a_restart_with_a_new_public_url_moves_the_registered_command() {
    let app = app().await;
    register(&app, json!({"team_id": app.team_id})).await;
    let token = app.mm.team_commands(&app.team_id)[0]["token"].as_str().unwrap().to_string();
    let kept = app.stop_keeping_everything().await;
    let moved = "https://jira-bridge.example.org";
    let app = spawn_app_on(kept, |c| c.server.public_url = moved.into()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let commands = app.mm.team_commands(&app.team_id);
        assert_eq!(commands.len(), 1, "updated, not registered again: {commands:?}");
        if commands[0]["url"] == format!("{moved}/mattermost/command") {
            assert_eq!(commands[0]["token"], token.as_str(), "the same command and token");
            break;
        }
        assert!(Instant::now() < deadline, "the command still points at the old URL: {}", commands[0]);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let user = app.mm.add_user("ann", "system_user");
    assert_eq!(run(&app, &app.team_id, &app.channel_id, &user, &token).await, 200, "its token still works");
    app.shutdown().await;
}

#[test]
fn the_manual_steps_say_what_registration_sends() {
    use jirabridge::commands::registration::*;
    let setup = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/SETUP.md")).unwrap();
    let command = command_for(&jirabridge::config::Config::default(), "team", "bot");
    for value in [
        format!("| Command Trigger Word | `{}` |", command.trigger),
        format!("| Request URL | `<server.public_url>{COMMAND_PATH}` |"),
        "| Request Method | `POST` |".to_string(),
        format!("| Title | `{}` |", command.display_name),
        format!("| Description | `{}` |", command.description),
        // A `|` inside a table cell is escaped, or Markdown splits the cell there.
        format!("| Autocomplete Hint | `{}` |", command.auto_complete_hint.replace('|', "\\|")),
        format!("| Autocomplete Description | `{}` |", command.auto_complete_desc),
    ] {
        assert!(setup.contains(&value), "docs/SETUP.md lacks {value}");
    }
    assert_eq!(command.method, "P");
}
