//! A loopback Mattermost for tests: the REST calls jirabridge makes (SPEC §11, §14.1),
//! answered with the server's paths, statuses and JSON, plus failure switches, an outage
//! (`stop`/`restart` on the same port) and a request log. Only HTTP is shared with the code
//! under test, so it serves an in-process app and a spawned binary alike.

mod commands;
mod dialogs;
mod errors;
mod failures;
mod gate;
mod ids;
mod posts;
mod routes;
mod rules;
mod server;
mod slash;
mod state;
mod wire;

use std::sync::{Arc, Mutex, PoisonError};

use actix_web::dev::ServerHandle;
use actix_web::web::Data;

pub use commands::{CommandReply, SlashCommand};
pub use failures::Failure;
pub use rules::{MAX_MESSAGE_RUNES, MAX_PROPS_RUNES};
pub use state::Post;

use ids::new_id;
use state::{Channel, Shared, Team};

/// The bot's personal access token; any other token gets 401.
pub const BOT_TOKEN: &str = "jbbottoken000000000000000a";

/// Handle to a running fake; clones share the server and its state.
#[derive(Clone)]
pub struct FakeMattermost {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Data<Shared>,
    port: u16,
    server: Mutex<Option<ServerHandle>>,
    keep_alive: bool,
}

impl FakeMattermost {
    /// Binds 127.0.0.1 on a free port and serves in the background.
    pub async fn start() -> FakeMattermost {
        FakeMattermost::serve(false).await
    }

    /// Like `start`, but connections stay open between requests, as Mattermost's own server
    /// keeps them (benchmarks); tests use `start`, where a `stop` leaves no pooled connection.
    pub async fn start_keeping_connections() -> FakeMattermost {
        FakeMattermost::serve(true).await
    }

    async fn serve(keep_alive: bool) -> FakeMattermost {
        let listener = server::bind(0).await.expect("fake Mattermost binds a port");
        let port = listener.local_addr().expect("bound address").port();
        let shared = Data::new(Shared::new());
        let handle = server::serve(shared.clone(), listener, keep_alive);
        FakeMattermost { inner: Arc::new(Inner { shared, port, server: Mutex::new(Some(handle)), keep_alive }) }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.inner.port)
    }

    pub fn bot_user_id(&self) -> String {
        self.inner.shared.bot.id.clone()
    }

    pub fn bot_username(&self) -> String {
        self.inner.shared.bot.username.clone()
    }

    pub fn add_team(&self, name: &str) -> String {
        let id = new_id();
        let team = Team { id: id.clone(), name: name.to_owned() };
        self.inner.shared.world().teams.push(team);
        id
    }

    /// An open channel (`O`) with the bot as a member.
    pub fn add_channel(&self, team_id: &str, name: &str) -> String {
        self.push_channel(team_id, name, "O", true)
    }

    /// A private channel (`P`); the bot is a member only when `bot_member`.
    pub fn add_private_channel(&self, team_id: &str, name: &str, bot_member: bool) -> String {
        self.push_channel(team_id, name, "P", bot_member)
    }

    /// A direct message channel between two people (`D`, named `<id>__<id>`, ids sorted):
    /// the bot is not in it.
    pub fn add_direct_between(&self, first: &str, second: &str) -> String {
        let mut ids = [first, second];
        ids.sort();
        let id = self.push_channel("", &format!("{}__{}", ids[0], ids[1]), "D", false);
        for user in ids {
            self.add_member(&id, user);
        }
        id
    }

    fn push_channel(&self, team_id: &str, name: &str, kind: &'static str, bot_member: bool) -> String {
        let mut world = self.inner.shared.world();
        let team_known = team_id.is_empty() || world.teams.iter().any(|t| t.id == team_id);
        assert!(team_known, "fake Mattermost has no team {team_id}");
        let id = new_id();
        let channel = Channel {
            id: id.clone(),
            team_id: team_id.to_owned(),
            name: name.to_owned(),
            kind,
            create_at: world.now_ms(),
            delete_at: 0,
            bot_member,
            last_post_at: 0,
            total_msg_count: 0,
        };
        world.channels.push(channel);
        id
    }

    pub fn set_bot_member(&self, channel_id: &str, member: bool) {
        self.inner.shared.world().channel_mut(channel_id).bot_member = member;
    }

    pub fn archive_channel(&self, channel_id: &str) {
        let mut world = self.inner.shared.world();
        let now = world.now_ms();
        world.channel_mut(channel_id).delete_at = now;
    }

    /// Posts of one channel, in creation order.
    pub fn posts(&self, channel_id: &str) -> Vec<Post> {
        let world = self.inner.shared.world();
        let in_channel = world.posts.iter().filter(|p| p.channel_id == channel_id);
        in_channel.cloned().collect()
    }

    /// Issue key → how many posts in the channel are about it (the key as the headline
    /// links it: `[KEY: summary](url)`).
    pub fn posts_per_issue(&self, channel_id: &str) -> std::collections::HashMap<String, usize> {
        let mut counts = std::collections::HashMap::new();
        for post in self.posts(channel_id) {
            let pretext = post.props["attachments"][0]["pretext"].as_str().unwrap_or("").to_string();
            let key = pretext.split('[').nth(1).and_then(|s| s.split(':').next()).unwrap_or("?").to_string();
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    }

    pub fn all_posts(&self) -> Vec<Post> {
        self.inner.shared.world().posts.clone()
    }

    /// How many posts were made, without copying them (benchmarks poll this).
    pub fn post_count(&self) -> usize {
        self.inner.shared.world().posts.len()
    }

    /// Shifts the fake's clock (post and channel timestamps) by `offset_ms`.
    pub fn set_clock_offset_ms(&self, offset_ms: i64) {
        self.inner.shared.world().clock_offset_ms = offset_ms;
    }

    /// Applies `failure` to every request; replaces an earlier global failure.
    pub fn fail(&self, failure: Failure) {
        self.inner.shared.failures().set(None, "", failure);
    }

    /// Applies `failure` to requests with this method (`"*"` for any) whose path starts
    /// with `path_prefix`; replaces an earlier failure for the same method and prefix.
    pub fn fail_route(&self, method: &str, path_prefix: &str, failure: Failure) {
        let method = (method != "*").then_some(method);
        self.inner.shared.failures().set(method, path_prefix, failure);
    }

    pub fn heal(&self) {
        self.inner.shared.failures().clear();
    }

    /// Every request so far as (method, path and query), failed ones included.
    /// A personal access token for a person; answers the token.
    pub fn add_user_token(&self, user_id: &str) -> String {
        let token = new_id();
        self.inner.shared.world().tokens.insert(token.clone(), user_id.to_string());
        token
    }

    /// A custom command made by someone else (the plugin's, or one made by hand).
    pub fn add_command(&self, mut command: serde_json::Value) {
        command["id"] = new_id().into();
        command["token"] = new_id().into();
        command["delete_at"] = 0.into();
        self.inner.shared.world().commands.push(command);
    }

    /// Takes `manage_slash_commands` from the bot.
    pub fn deny_bot_command_management(&self) {
        self.inner.shared.world().bot_may_not_manage_commands = true;
    }

    /// The custom slash commands of a team, as the server keeps them.
    pub fn team_commands(&self, team_id: &str) -> Vec<serde_json::Value> {
        self.inner.shared.world().commands.iter().filter(|c| c["team_id"] == team_id).cloned().collect()
    }

    pub fn requests(&self) -> Vec<(String, String)> {
        self.inner.shared.requests().clone()
    }

    /// Closes the listener and drops open connections: new requests are refused.
    pub async fn stop(&self) {
        let handle = self.server_slot().take();
        if let Some(handle) = handle {
            handle.stop(false).await;
        }
    }

    /// Listens again on the same port with the same state; no-op while running.
    pub async fn restart(&self) {
        if self.server_slot().is_some() {
            return;
        }
        let listener = server::bind_again(self.inner.port).await;
        let handle = server::serve(self.inner.shared.clone(), listener, self.inner.keep_alive);
        *self.server_slot() = Some(handle);
    }

    fn server_slot(&self) -> std::sync::MutexGuard<'_, Option<ServerHandle>> {
        self.inner.server.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The last clone gone: stop the server so its threads and port are released.
impl Drop for Inner {
    fn drop(&mut self) {
        let slot = self.server.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(handle) = slot.take() {
            drop(handle.stop(false));
        }
    }
}
