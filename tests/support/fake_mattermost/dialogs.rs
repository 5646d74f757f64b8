//! Direct messages and dialogs (SPEC §11, §14.1): `POST /channels/direct` (201, the same
//! channel again for the same pair) and `POST /actions/dialogs/open`, which accepts only a
//! trigger id the fake handed out (with a command or a click) less than 30 s before, and a
//! non-empty `url`; opened dialogs are kept for tests.

use actix_web::web::{Bytes, Data};
use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::errors::{self, AppError};
use super::ids::new_id;
use super::state::{Channel, Shared};
use super::{wire, FakeMattermost};

type Answer = Result<HttpResponse, AppError>;

/// How long a trigger id can open a dialog (the integration timeout).
const TRIGGER_LIFE_MS: i64 = 30_000;

pub(super) async fn direct(shared: Data<Shared>, body: Bytes) -> Answer {
    let pair: Vec<String> = serde_json::from_slice(&body).map_err(|_| errors::invalid_body_param("user_ids"))?;
    let [first, second] = pair.as_slice() else {
        return Err(AppError::new(
            400,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing user_ids in request body.",
        ));
    };
    let mut ids = [first.clone(), second.clone()];
    ids.sort();
    let name = format!("{}__{}", ids[0], ids[1]);
    let mut world = shared.world();
    if let Some(found) = world.channels.iter().find(|c| c.kind == "D" && c.name == name) {
        return Ok(HttpResponse::Created().json(wire::channel(found)));
    }
    let channel = Channel {
        id: new_id(),
        team_id: String::new(),
        name,
        kind: "D",
        create_at: world.now_ms(),
        delete_at: 0,
        bot_member: true,
        last_post_at: 0,
        total_msg_count: 0,
    };
    let answer = wire::channel(&channel);
    world.channels.push(channel);
    Ok(HttpResponse::Created().json(answer))
}

pub(super) async fn open(shared: Data<Shared>, body: Bytes) -> Answer {
    let request: Value = serde_json::from_slice(&body).map_err(|_| errors::invalid_body_param("dialog"))?;
    let trigger = request["trigger_id"].as_str().unwrap_or_default();
    if request["url"].as_str().unwrap_or_default().is_empty() {
        return Err(AppError::new(400, "interactive_message.url.app_error", "Invalid URL for the dialog."));
    }
    let mut world = shared.world();
    let now = world.now_ms();
    let Some(issued) = world.triggers.get(trigger).copied() else {
        return Err(AppError::new(
            400,
            "interactive_message.decode_trigger_id.base64_decode_failed",
            "Unable to decode the trigger id.",
        ));
    };
    if now - issued >= world.trigger_life_ms.unwrap_or(TRIGGER_LIFE_MS) {
        return Err(AppError::new(
            400,
            "interactive_message.decode_trigger_id.expired",
            "Trigger ID for interactive dialog is expired.",
        ));
    }
    let problems = element_problems(&request["dialog"]);
    world.dialog_problems.extend(problems);
    world.dialogs.push(request);
    Ok(HttpResponse::Ok().json(json!({"status": "OK"})))
}

/// What the server's `Dialog.IsValid` would log about a dialog it opens anyway (and the web
/// app may then not render): lengths, and a dynamic select without a URL it calls.
fn element_problems(dialog: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let title = dialog["title"].as_str().unwrap_or_default();
    if title.is_empty() || title.len() > 24 {
        problems.push(format!("dialog title {title:?}"));
    }
    for element in dialog["elements"].as_array().into_iter().flatten() {
        let name = element["name"].as_str().unwrap_or_default();
        let text = |key: &str| element[key].as_str().unwrap_or_default().len();
        if text("display_name") == 0 || text("display_name") > 24 || text("help_text") > 150 {
            problems.push(format!("element {name}: display_name or help_text length"));
        }
        let most = match element["type"].as_str() {
            Some("text") => 150,
            Some("textarea" | "select") => 3000,
            _ => usize::MAX,
        };
        if text("default") > most || text("placeholder") > most {
            problems.push(format!("element {name}: default or placeholder over {most} bytes"));
        }
        if element["data_source"] == "dynamic" {
            let url = element["data_source_url"].as_str().unwrap_or_default();
            let local = url.starts_with("http://localhost") || url.starts_with("http://127.0.0.1");
            if !(url.starts_with("https://") || local) || element.get("options").is_some() {
                problems.push(format!("element {name}: dynamic select needs a lookup URL and no options"));
            }
        }
    }
    problems
}

impl FakeMattermost {
    /// Every dialog opened, oldest first, as `{trigger_id, url, dialog}`.
    pub fn opened_dialogs(&self) -> Vec<Value> {
        self.inner.shared.world().dialogs.clone()
    }

    /// The posts in the bot's direct channel with `user_id`, oldest first.
    pub fn direct_messages(&self, user_id: &str) -> Vec<super::Post> {
        let world = self.inner.shared.world();
        let mut ids = [self.inner.shared.bot.id.clone(), user_id.to_string()];
        ids.sort();
        let name = format!("{}__{}", ids[0], ids[1]);
        let Some(channel) = world.channels.iter().find(|c| c.kind == "D" && c.name == name) else { return vec![] };
        world.posts.iter().filter(|p| p.channel_id == channel.id).cloned().collect()
    }

    /// Trigger ids expire `life_ms` after they were handed out from now on (30 s by default;
    /// 0: at once, as if the integration took too long).
    pub fn set_trigger_life_ms(&self, life_ms: i64) {
        self.inner.shared.world().trigger_life_ms = Some(life_ms);
    }

    /// What the server would have logged about the dialogs opened so far (none for a good
    /// integration).
    pub fn dialog_problems(&self) -> Vec<String> {
        self.inner.shared.world().dialog_problems.clone()
    }

    /// The version the server reports in `X-Version-Id` (default 10.11.3).
    pub fn set_server_version(&self, version: &str) {
        self.inner.shared.world().server_version = Some(version.to_string());
    }

    /// `user_id` joins `channel_id`.
    pub fn add_member(&self, channel_id: &str, user_id: &str) {
        self.set_member_roles(channel_id, user_id, "channel_user");
    }

    /// `user_id` is a member of `channel_id` with `roles` (`channel_user channel_admin`).
    pub fn set_member_roles(&self, channel_id: &str, user_id: &str, roles: &str) {
        self.inner.shared.world().members.insert((channel_id.to_string(), user_id.to_string()), roles.to_string());
    }

    /// `user_id` is a member of `team_id` with `roles` (`team_user team_admin`).
    pub fn set_team_roles(&self, team_id: &str, user_id: &str, roles: &str) {
        self.inner.shared.world().team_members.insert((team_id.to_string(), user_id.to_string()), roles.to_string());
    }

    /// A message `user_id` wrote in `channel_id`; answers its id.
    pub fn add_user_post(&self, channel_id: &str, user_id: &str, message: &str) -> String {
        let mut world = self.inner.shared.world();
        let now = world.now_ms();
        let post = super::Post {
            id: new_id(),
            channel_id: channel_id.to_string(),
            user_id: user_id.to_string(),
            message: message.to_string(),
            root_id: String::new(),
            props: serde_json::json!({}),
            create_at: now,
            update_at: now,
            post_type: String::new(),
            file_ids: Vec::new(),
        };
        let id = post.id.clone();
        world.posts.push(post);
        id
    }

    /// A reply by `user_id` in the thread of `root_id`, a moment after the last post.
    pub fn add_user_reply(&self, channel_id: &str, user_id: &str, root_id: &str, message: &str) -> String {
        let id = self.add_user_post(channel_id, user_id, message);
        let mut world = self.inner.shared.world();
        let latest = world.posts.iter().map(|p| p.create_at).max().unwrap_or(0);
        let post = world.posts.iter_mut().find(|p| p.id == id).expect("just added");
        (post.root_id, post.create_at, post.update_at) = (root_id.to_string(), latest + 1, latest + 1);
        id
    }

    /// The bot becomes a system admin (it may then post ephemerals through the API).
    pub fn make_bot_system_admin(&self) {
        self.inner.shared.world().bot_system_admin = true;
    }

    /// The messages posted privately to `user_id` through `POST /posts/ephemeral`.
    pub fn ephemerals(&self, user_id: &str) -> Vec<String> {
        let world = self.inner.shared.world();
        world.ephemerals.iter().filter(|(user, _, _)| user == user_id).map(|(_, _, m)| m.clone()).collect()
    }

    /// A post by `user_id` with files: (name, media type, bytes) each.
    pub fn add_user_post_with_files(
        &self,
        channel_id: &str,
        user_id: &str,
        message: &str,
        files: &[(&str, &str, Vec<u8>)],
    ) -> String {
        let id = self.add_user_post(channel_id, user_id, message);
        let mut world = self.inner.shared.world();
        let mut ids = Vec::new();
        for (name, mime, bytes) in files {
            let file_id = new_id();
            world.files.insert(file_id.clone(), (name.to_string(), mime.to_string(), bytes.clone()));
            ids.push(file_id);
        }
        world.posts.iter_mut().find(|p| p.id == id).expect("just added").file_ids = ids;
        id
    }

    /// A trigger id handed out now, as with a command or a click.
    pub fn issue_trigger(&self) -> String {
        let id = new_id();
        let mut world = self.inner.shared.world();
        let now = world.now_ms();
        world.triggers.insert(id.clone(), now);
        id
    }
}
