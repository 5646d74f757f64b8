//! Mattermost's side of a custom slash command (SPEC §11): the form it posts to the
//! command's URL (with `Authorization: Token`, the text after the trigger, the mentions it
//! resolved, a trigger id and a response URL), and how it reads the answer: within 30 s, at
//! most 1 MiB, only a 200 counts.

use std::time::Duration;

use serde_json::Value;

use super::ids::new_id;
use super::state::Person;
use super::FakeMattermost;

/// Mattermost's `OutgoingIntegrationRequestsTimeout` default.
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of an integration's answer Mattermost reads.
const MOST_REPLY_BYTES: usize = 1024 * 1024;

/// A user running `/jira …` somewhere.
pub struct SlashCommand<'a> {
    /// The command's request URL (jirabridge's `/mattermost/command`).
    pub url: &'a str,
    /// The command's token, as Mattermost stored it.
    pub token: &'a str,
    pub team_id: &'a str,
    pub channel_id: &'a str,
    pub user_id: &'a str,
    /// The whole line, starting with `/jira`.
    pub line: &'a str,
    pub root_id: &'a str,
}

/// What Mattermost got back.
#[derive(Debug)]
pub struct CommandReply {
    pub status: u16,
    /// The JSON answer, or `Value::String` of a text one.
    pub body: Value,
}

impl CommandReply {
    /// The reply's `text` (the sentence a user sees).
    pub fn text(&self) -> String {
        match &self.body {
            Value::String(text) => text.clone(),
            other => other["text"].as_str().unwrap_or_default().to_string(),
        }
    }
}

impl FakeMattermost {
    /// A person with `roles` (`system_user`, or `system_user system_admin`); answers the id.
    pub fn add_user(&self, username: &str, roles: &str) -> String {
        let id = new_id();
        let person = Person { id: id.clone(), username: username.into(), roles: roles.into(), create_at: 0 };
        self.inner.shared.world().people.push(person);
        id
    }

    /// Runs a slash command as Mattermost does and reads the answer as it would.
    pub async fn run_command(&self, command: SlashCommand<'_>) -> CommandReply {
        let form = self.command_form(&command);
        let client = reqwest::Client::builder().timeout(INTEGRATION_TIMEOUT).build().unwrap();
        let response = client
            .post(command.url)
            .header("Authorization", format!("Token {}", command.token))
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .await
            .expect("the command's URL answers within 30 s");
        let status = response.status().as_u16();
        let is_json = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let bytes = response.bytes().await.expect("a readable answer");
        assert!(bytes.len() <= MOST_REPLY_BYTES, "Mattermost reads at most 1 MiB of a command's answer");
        let body = if is_json {
            serde_json::from_slice(&bytes).expect("a JSON answer parses")
        } else {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        };
        CommandReply { status, body }
    }

    fn command_form(&self, command: &SlashCommand<'_>) -> Vec<(String, String)> {
        let world = self.inner.shared.world();
        let team = world.teams.iter().find(|t| t.id == command.team_id).expect("a team of the fake");
        let channel = world.channel(command.channel_id).expect("a channel of the fake");
        let user = world.people.iter().find(|p| p.id == command.user_id).expect("a user of the fake");
        let (trigger, text) = command.line.split_once(' ').unwrap_or((command.line, ""));
        let mut form: Vec<(String, String)> = [
            ("token", command.token.to_string()),
            ("team_id", team.id.clone()),
            ("team_domain", team.name.clone()),
            ("channel_id", channel.id.clone()),
            ("channel_name", channel.name.clone()),
            ("user_id", user.id.clone()),
            ("user_name", user.username.clone()),
            ("command", trigger.to_string()),
            ("text", text.trim().to_string()),
            ("trigger_id", new_id()),
            ("root_id", command.root_id.to_string()),
            ("response_url", format!("{}/hooks/commands/{}", self.url(), new_id())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        // The server resolves every `@name` that is a user, as parallel repeated keys.
        for word in text.split_whitespace() {
            if let Some(person) =
                word.strip_prefix('@').and_then(|name| world.people.iter().find(|p| p.username == name))
            {
                form.push(("user_mentions".into(), person.username.clone()));
                form.push(("user_mentions_ids".into(), person.id.clone()));
            }
        }
        form
    }
}
