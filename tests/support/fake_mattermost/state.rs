//! The fake's world (bot, teams, channels, posts) and the state shared by every worker.

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use super::failures::Failures;
use super::ids::{epoch_ms, new_id};

/// A post as the fake stored it; `posts()` and `all_posts()` hand these to tests.
#[derive(Clone, Debug, PartialEq)]
pub struct Post {
    pub id: String,
    pub channel_id: String,
    pub user_id: String,
    pub message: String,
    pub root_id: String,
    pub props: Value,
    pub create_at: i64,
    pub update_at: i64,
    pub post_type: String,
    pub file_ids: Vec<String>,
}

pub(super) struct Bot {
    pub id: String,
    pub username: String,
    pub create_at: i64,
}

/// A person (not the bot) who can run commands.
pub(super) struct Person {
    pub id: String,
    pub username: String,
    /// Space-separated roles, as Mattermost stores them (`system_user system_admin`).
    pub roles: String,
    pub create_at: i64,
}

pub(super) struct Team {
    pub id: String,
    pub name: String,
}

pub(super) struct Channel {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub kind: &'static str,
    pub create_at: i64,
    pub delete_at: i64,
    pub bot_member: bool,
    pub last_post_at: i64,
    pub total_msg_count: i64,
}

#[derive(Default)]
pub(super) struct World {
    pub people: Vec<Person>,
    /// Custom slash commands, as the server's JSON.
    pub commands: Vec<Value>,
    /// Personal access tokens of people: token → user id.
    pub tokens: std::collections::HashMap<String, String>,
    /// The bot lacks `manage_slash_commands`: creating a command as the bot is 403.
    pub bot_may_not_manage_commands: bool,
    /// Response URLs handed out with commands: id → (issued at ms, replies received).
    pub response_urls: std::collections::HashMap<String, (i64, Vec<Value>)>,
    pub teams: Vec<Team>,
    pub channels: Vec<Channel>,
    pub posts: Vec<Post>,
    pub clock_offset_ms: i64,
    /// Trigger ids handed out with commands and clicks → when.
    pub triggers: std::collections::HashMap<String, i64>,
    /// How long a trigger id opens dialogs when a test changed it (ms).
    pub trigger_life_ms: Option<i64>,
    /// Dialogs opened (`{trigger_id, url, dialog}`), oldest first.
    pub dialogs: Vec<Value>,
    /// What the server would have logged about them (`Dialog.IsValid`).
    pub dialog_problems: Vec<String>,
    /// The version `X-Version-Id` reports; `None`: 10.11.3.
    pub server_version: Option<String>,
    /// (channel id, user id) of people who are channel members → their roles
    /// (`channel_user channel_admin`); the bot's own membership is `Channel::bot_member`.
    pub members: std::collections::HashMap<(String, String), String>,
    /// (team id, user id) → roles of people a test made team members explicitly; a channel
    /// member is a `team_user` of the channel's team.
    pub team_members: std::collections::HashMap<(String, String), String>,
    /// The bot holds `system_admin` (and so `create_post_ephemeral`).
    pub bot_system_admin: bool,
    /// Ephemeral posts made through the API: (user id, channel id, message).
    pub ephemerals: Vec<(String, String, String)>,
    /// Uploaded files: id → (name, media type, bytes).
    pub files: std::collections::HashMap<String, (String, String, Vec<u8>)>,
}

impl World {
    pub fn now_ms(&self) -> i64 {
        epoch_ms() + self.clock_offset_ms
    }

    pub fn team_by_name(&self, name: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.name == name)
    }

    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// Test helpers address channels they created, so an unknown id is a bug in the test.
    pub fn channel_mut(&mut self, id: &str) -> &mut Channel {
        self.channels.iter_mut().find(|c| c.id == id).unwrap_or_else(|| panic!("fake Mattermost has no channel {id}"))
    }

    pub fn channel_by_name(&self, team_id: &str, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.team_id == team_id && c.name == name)
    }

    pub fn post(&self, id: &str) -> Option<&Post> {
        self.posts.iter().find(|p| p.id == id)
    }
}

pub(super) struct Shared {
    pub bot: Bot,
    world: Mutex<World>,
    failures: Mutex<Failures>,
    requests: Mutex<Vec<(String, String)>>,
}

impl Shared {
    pub fn new() -> Self {
        let bot = Bot { id: new_id(), username: "jirabridge".to_owned(), create_at: epoch_ms() };
        Shared { bot, world: Mutex::default(), failures: Mutex::default(), requests: Mutex::default() }
    }

    /// Poison is ignored: one panicking test handler must not fail every later request.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn failures(&self) -> MutexGuard<'_, Failures> {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn requests(&self) -> MutexGuard<'_, Vec<(String, String)>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
