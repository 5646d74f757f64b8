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
        let (response_id, trigger_id) = (new_id(), new_id());
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
            ("trigger_id", trigger_id.clone()),
            ("root_id", command.root_id.to_string()),
            ("response_url", format!("{}/hooks/commands/{response_id}", self.url())),
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
        let issued = world.now_ms();
        drop(world);
        let mut world = self.inner.shared.world();
        world.response_urls.insert(response_id, (issued, Vec::new()));
        world.triggers.insert(trigger_id, issued);
        form
    }

    /// Every reply sent to a response URL, oldest first.
    pub fn command_responses(&self) -> Vec<Value> {
        let world = self.inner.shared.world();
        let mut all: Vec<&(i64, Vec<Value>)> = world.response_urls.values().collect();
        all.sort_by_key(|(issued, _)| *issued);
        all.into_iter().flat_map(|(_, replies)| replies.iter().cloned()).collect()
    }
}

/// Uses of one response URL, and how long it lives (SPEC §11).
const RESPONSE_URL_USES: usize = 5;
const RESPONSE_URL_LIFE_MS: i64 = 30 * 60 * 1000;

/// `POST /hooks/commands/{id}`: a late answer to a command. Unknown or expired → 404, used
/// up → 400, else `ok`.
pub(super) async fn respond(
    shared: actix_web::web::Data<super::state::Shared>,
    path: actix_web::web::Path<String>,
    body: actix_web::web::Json<Value>,
) -> actix_web::HttpResponse {
    let mut world = shared.world();
    let now = world.now_ms();
    let Some((issued, replies)) = world.response_urls.get_mut(path.as_str()) else {
        return actix_web::HttpResponse::NotFound().json(serde_json::json!({"id": "web.command_webhook.invalid.app_error", "message": "Unable to find the webhook.", "status_code": 404}));
    };
    if now - *issued > RESPONSE_URL_LIFE_MS {
        return actix_web::HttpResponse::NotFound().json(serde_json::json!({"id": "web.command_webhook.invalid.app_error", "message": "Unable to find the webhook.", "status_code": 404}));
    }
    if replies.len() >= RESPONSE_URL_USES {
        return actix_web::HttpResponse::BadRequest().json(serde_json::json!({"id": "app.command_webhook.try_use.invalid", "message": "The webhook has been used too many times.", "status_code": 400}));
    }
    replies.push(body.into_inner());
    actix_web::HttpResponse::Ok().content_type("text/plain").body("ok")
}

impl FakeMattermost {
    /// A click on an interactive button or select, as the server sends it to the action's
    /// URL: the clicker, the channel and team, a fresh trigger id, and the action's context
    /// (with `selected_option` for a select). Answers the JSON reply.
    pub async fn click(&self, url: &str, user_id: &str, channel_id: &str, context: Value) -> (u16, Value) {
        let trigger = self.issue_trigger();
        let body = {
            let world = self.inner.shared.world();
            let user = world.people.iter().find(|p| p.id == user_id).expect("a user of the fake");
            let channel = world.channel(channel_id).expect("a channel of the fake");
            let team = world.teams.iter().find(|t| t.id == channel.team_id).expect("the channel's team");
            serde_json::json!({
                "user_id": user.id, "user_name": user.username, "channel_id": channel.id,
                "channel_name": channel.name, "team_id": team.id, "team_domain": team.name,
                "post_id": new_id(), "trigger_id": trigger, "type": "", "data_source": "", "context": context,
            })
        };
        post_json(url, &body).await
    }

    /// A dialog submitted (or cancelled) as the server sends it to the dialog's URL.
    pub async fn submit_dialog(
        &self,
        url: &str,
        user_id: &str,
        channel_id: &str,
        state: &str,
        submission: Value,
        cancelled: bool,
    ) -> (u16, Value) {
        let team_id = self.inner.shared.world().channel(channel_id).map(|c| c.team_id.clone()).unwrap_or_default();
        let body = serde_json::json!({
            "type": "dialog_submission", "callback_id": "jira", "state": state, "user_id": user_id,
            "channel_id": channel_id, "team_id": team_id, "submission": submission, "cancelled": cancelled,
        });
        post_json(url, &body).await
    }

    /// What a user typed into the dynamic select `field` of a dialog opened with `state`, as
    /// Mattermost 11 posts it to the element's `data_source_url`.
    pub async fn lookup(
        &self,
        url: &str,
        user_id: &str,
        channel_id: &str,
        state: &str,
        (field, typed): (&str, &str),
    ) -> (u16, Value) {
        let team_id = self.inner.shared.world().channel(channel_id).map(|c| c.team_id.clone()).unwrap_or_default();
        let body = serde_json::json!({
            "type": "dialog_lookup", "callback_id": "jira", "state": state, "user_id": user_id,
            "channel_id": channel_id, "team_id": team_id, "cancelled": false,
            "submission": {"query": typed, "selected_field": field},
        });
        post_json(url, &body).await
    }
}

/// Posts `body` as Mattermost posts to an integration: 30 s, at most 1 MiB read back.
async fn post_json(url: &str, body: &Value) -> (u16, Value) {
    let client = reqwest::Client::builder().timeout(INTEGRATION_TIMEOUT).build().unwrap();
    let response = client.post(url).json(body).send().await.expect("the integration answers within 30 s");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a readable answer");
    assert!(bytes.len() <= MOST_REPLY_BYTES, "Mattermost reads at most 1 MiB of an integration's answer");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}
