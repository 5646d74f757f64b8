//! The Mattermost REST client, authenticated as the bot (SPEC §11).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::command::CommandResponse;
use super::dialog::OpenDialog;
use super::post::NewPost;
use super::slash::{SlashCommand, Team};
use super::wire::{AppError, Channel, CreatedPost, FileInfo, Post, PostList, User};
use crate::ids::{ChannelId, MmUserId};

/// What went wrong talking to Mattermost.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MmError {
    #[error("Mattermost is not configured (mattermost.url and mattermost.bot_token)")]
    NotConfigured,
    /// No answer. `maybe_sent`: the request may have reached Mattermost (a timeout after
    /// sending), so it may have taken effect.
    #[error("Mattermost is unreachable: {reason}")]
    Unreachable { reason: String, maybe_sent: bool },
    #[error("Mattermost answered {status}: {message} ({id})")]
    Status { status: u16, id: String, message: String, retry_after: Option<Duration> },
    #[error("Mattermost sent a response we could not read: {0}")]
    BadResponse(String),
    /// A URL that is not the configured Mattermost's: nothing is sent there.
    #[error("{0} is not on the configured Mattermost server")]
    ForeignUrl(String),
}

impl MmError {
    /// Worth retrying later: network trouble, 5xx, 429, 401 (a bot token being fixed).
    pub fn is_transient(&self) -> bool {
        match self {
            MmError::NotConfigured | MmError::Unreachable { .. } | MmError::BadResponse(_) => true,
            MmError::ForeignUrl(_) => false,
            MmError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 401 || *status == 408,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            MmError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request may have been carried out although we got no answer.
    pub fn maybe_sent(&self) -> bool {
        // 502/504 come from a proxy that may have given up after Mattermost acted.
        matches!(
            self,
            MmError::Unreachable { maybe_sent: true, .. }
                | MmError::BadResponse(_)
                | MmError::Status { status: 502 | 504, .. }
        )
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            MmError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Bot-authenticated client; cheap to clone. Clones share one connection setting, so
/// [`MattermostClient::reconfigure`] (a URL or bot token changed in the console) reaches
/// every part that holds a clone.
#[derive(Clone)]
pub struct MattermostClient {
    connection: Arc<RwLock<Arc<Connection>>>,
    /// Shared by every clone, kept across a reconfiguration (see `usernames`).
    pub(super) usernames: Arc<super::usernames::Usernames>,
}

struct Connection {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Connection {
    fn new(base_url: &str, bot_token: &str, timeout: Duration) -> Connection {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .unwrap_or_default();
        Connection { http, base: base_url.trim_end_matches('/').to_string(), token: bot_token.to_string() }
    }
}

impl std::fmt::Debug for MattermostClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MattermostClient({}, token ***)", self.connection().base)
    }
}

impl MattermostClient {
    pub fn new(base_url: &str, bot_token: &str, timeout: Duration) -> MattermostClient {
        let connection = Arc::new(Connection::new(base_url, bot_token, timeout));
        MattermostClient { connection: Arc::new(RwLock::new(connection)), usernames: Arc::default() }
    }

    /// Talks to another URL, with another token or timeout from now on; requests under
    /// way finish with the old setting.
    pub fn reconfigure(&self, base_url: &str, bot_token: &str, timeout: Duration) {
        let connection = Arc::new(Connection::new(base_url, bot_token, timeout));
        *self.connection.write().unwrap_or_else(|p| p.into_inner()) = connection;
    }

    fn connection(&self) -> Arc<Connection> {
        self.connection.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn is_configured(&self) -> bool {
        let connection = self.connection();
        !connection.base.is_empty() && !connection.token.is_empty()
    }

    /// `GET /api/v4/users/me`: checks the URL and the bot token.
    pub async fn me(&self) -> Result<User, MmError> {
        self.get("/api/v4/users/me").await
    }

    /// `GET /api/v4/users/{id}`.
    pub async fn user(&self, user_id: &MmUserId) -> Result<User, MmError> {
        self.get(&format!("/api/v4/users/{}", segment(user_id.as_str()))).await
    }

    /// `GET /api/v4/teams/name/{team}/channels/name/{channel}`.
    pub async fn channel_by_name(&self, team: &str, channel: &str) -> Result<Channel, MmError> {
        let path = format!("/api/v4/teams/name/{}/channels/name/{}", segment(team), segment(channel));
        self.get(&path).await
    }

    /// `GET /api/v4/channels/{id}`.
    pub async fn channel(&self, channel_id: &ChannelId) -> Result<Channel, MmError> {
        self.get(&format!("/api/v4/channels/{}", segment(channel_id.as_str()))).await
    }

    /// `POST /api/v4/posts`; answers the created post's id.
    pub async fn create_post(&self, post: &NewPost) -> Result<CreatedPost, MmError> {
        let request = self.request(reqwest::Method::POST, "/api/v4/posts")?.json(post);
        read(send(request).await?).await
    }

    /// Sends a slash command's late `reply` to its `response_url` (5 uses within 30 min).
    /// Only a URL on the configured Mattermost's own origin is used: the form that named it
    /// passed the token check, but jirabridge posts nowhere else.
    pub async fn respond_to_command(&self, response_url: &str, reply: &CommandResponse) -> Result<(), MmError> {
        let connection = self.connection();
        let same_origin = |a: &url::Url, b: &url::Url| {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
        };
        let target = url::Url::parse(response_url).ok();
        let ours = url::Url::parse(&connection.base).ok();
        let allowed = match (&target, &ours) {
            (Some(target), Some(ours)) => same_origin(target, ours) && target.path().contains("/hooks/commands/"),
            _ => false,
        };
        let Some(target) = target.filter(|_| allowed) else {
            return Err(MmError::ForeignUrl(response_url.to_string()));
        };
        let response = send(connection.http.post(target).json(reply)).await?;
        if response.status().is_success() {
            return Ok(());
        }
        read::<serde_json::Value>(response).await.map(|_| ())
    }

    /// `GET /api/v4/teams/{id}`.
    pub async fn team(&self, team_id: &str) -> Result<Team, MmError> {
        self.get(&format!("/api/v4/teams/{}", segment(team_id))).await
    }

    /// `GET /api/v4/teams/name/{name}`.
    pub async fn team_by_name(&self, name: &str) -> Result<Team, MmError> {
        self.get(&format!("/api/v4/teams/name/{}", segment(name))).await
    }

    /// `GET /api/v4/commands?team_id=&custom_only=true`: the team's custom commands, as the
    /// bot (or, when given, a system admin's token used for this call only) may see them.
    pub async fn team_commands(&self, team_id: &str, as_token: Option<&str>) -> Result<Vec<SlashCommand>, MmError> {
        let path = format!("/api/v4/commands?team_id={}&custom_only=true", segment(team_id));
        read(send(self.request_as(reqwest::Method::GET, &path, as_token)?).await?).await
    }

    /// `POST /api/v4/commands` (needs `manage_slash_commands`); answers the command with its token.
    pub async fn create_command(
        &self,
        command: &SlashCommand,
        as_token: Option<&str>,
    ) -> Result<SlashCommand, MmError> {
        let request = self.request_as(reqwest::Method::POST, "/api/v4/commands", as_token)?.json(command);
        read(send(request).await?).await
    }

    /// `PUT /api/v4/commands/{id}` with the whole command.
    pub async fn update_command(&self, command: &SlashCommand) -> Result<SlashCommand, MmError> {
        let path = format!("/api/v4/commands/{}", segment(&command.id));
        read(send(self.request(reqwest::Method::PUT, &path)?.json(command)).await?).await
    }

    /// `POST /api/v4/actions/dialogs/open` (200 `{"status":"OK"}`); the trigger id is valid
    /// for 30 s and only for the user who clicked or ran the command.
    pub async fn open_dialog(&self, dialog: &OpenDialog) -> Result<(), MmError> {
        let request = self.request(reqwest::Method::POST, "/api/v4/actions/dialogs/open")?.json(dialog);
        read::<serde_json::Value>(send(request).await?).await.map(drop)
    }

    /// [`MattermostClient::open_dialog`], with what to tell the user when it fails: the
    /// decided sentence for an expired trigger, else the error.
    pub async fn open_dialog_or_say(&self, dialog: &OpenDialog) -> Result<(), String> {
        match self.open_dialog(dialog).await {
            Ok(()) => Ok(()),
            Err(MmError::Status { id, .. }) if id == "interactive_message.decode_trigger_id.expired" => {
                Err(super::dialog::TOO_LATE.to_string())
            }
            Err(e) => {
                tracing::warn!(error = %e, "Mattermost did not open a dialog");
                Err(format!("Mattermost did not open the form ({e}); run the command again."))
            }
        }
    }

    /// `POST /api/v4/channels/direct` with the bot and `user_id` (201, the same channel each
    /// time), then a post there: a direct message from the bot.
    pub async fn direct_message(&self, user_id: &MmUserId, post: &NewPost) -> Result<CreatedPost, MmError> {
        let mut post = post.clone();
        post.channel_id = self.direct_channel(user_id).await?;
        self.create_post(&post).await
    }

    /// The bot's direct channel with `user_id` (`POST /api/v4/channels/direct`, idempotent).
    pub async fn direct_channel(&self, user_id: &MmUserId) -> Result<ChannelId, MmError> {
        let bot = self.me().await?;
        let pair = [bot.id.as_str(), user_id.as_str()];
        let request = self.request(reqwest::Method::POST, "/api/v4/channels/direct")?.json(&pair);
        let channel: Channel = read(send(request).await?).await?;
        Ok(channel.id)
    }

    /// `GET /api/v4/posts/{id}`.
    pub async fn post(&self, post_id: &str) -> Result<Post, MmError> {
        self.get(&format!("/api/v4/posts/{}", segment(post_id))).await
    }

    /// A message only `user_id` sees in `channel_id` (`POST /api/v4/posts/ephemeral`; needs
    /// `create_post_ephemeral`, which system admins hold).
    pub async fn ephemeral_post(
        &self,
        user_id: &MmUserId,
        channel_id: &ChannelId,
        message: &str,
    ) -> Result<(), MmError> {
        let body = serde_json::json!({"user_id": user_id, "post": {"channel_id": channel_id, "message": message}});
        let request = self.request(reqwest::Method::POST, "/api/v4/posts/ephemeral")?.json(&body);
        read::<serde_json::Value>(send(request).await?).await.map(drop)
    }

    /// What Mattermost knows of a file (`GET /api/v4/files/{id}/info`).
    pub async fn file_info(&self, file_id: &str) -> Result<FileInfo, MmError> {
        self.get(&format!("/api/v4/files/{}/info", segment(file_id))).await
    }

    /// A file's bytes (`GET /api/v4/files/{id}`), refused past `most` bytes whatever the
    /// info said: the body is read in chunks and dropped once it grows too long.
    pub async fn file_bytes(&self, file_id: &str, most: u64) -> Result<Vec<u8>, MmError> {
        let request = self.request(reqwest::Method::GET, &format!("/api/v4/files/{}", segment(file_id)))?;
        let mut response = send(request).await?;
        if !response.status().is_success() {
            return read::<serde_json::Value>(response).await.map(|_| Vec::new());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| MmError::BadResponse(e.to_string()))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > most {
                return Err(MmError::BadResponse(format!("the file is larger than {most} bytes")));
            }
        }
        Ok(bytes)
    }

    /// The thread `post_id` is in (`GET /api/v4/posts/{id}/thread`): its root, then the
    /// replies, oldest first.
    pub async fn thread(&self, post_id: &str) -> Result<Vec<Post>, MmError> {
        let list: PostList = self.get(&format!("/api/v4/posts/{}/thread", segment(post_id))).await?;
        let mut posts: Vec<Post> = list.posts.into_values().collect();
        posts.sort_by_key(|p| (!p.root_id.is_empty(), p.create_at));
        Ok(posts)
    }

    /// `GET /api/v4/channels/{id}/posts?since=<ms>`.
    pub async fn posts_since(&self, channel_id: &ChannelId, since_ms: u64) -> Result<Vec<Post>, MmError> {
        let path = format!("/api/v4/channels/{}/posts?since={since_ms}", segment(channel_id.as_str()));
        let list: PostList = self.get(&path).await?;
        Ok(list.posts.into_values().collect())
    }

    pub(super) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, MmError> {
        read(send(self.request(reqwest::Method::GET, path)?).await?).await
    }

    /// [`Self::request`] with another token than the bot's, when one is given (never stored).
    fn request_as(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> Result<reqwest::RequestBuilder, MmError> {
        let connection = self.connection();
        if connection.base.is_empty() || connection.token.is_empty() {
            return Err(MmError::NotConfigured);
        }
        let token = token.filter(|t| !t.is_empty()).unwrap_or(&connection.token);
        Ok(connection.http.request(method, format!("{}{path}", connection.base)).bearer_auth(token))
    }

    pub(super) fn request(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, MmError> {
        self.request_as(method, path, None)
    }
}

pub(super) fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}

pub(super) async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, MmError> {
    request.send().await.map_err(|e| MmError::Unreachable { reason: describe(&e), maybe_sent: !e.is_connect() })
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "request timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        "request failed".into()
    }
}

async fn read<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, MmError> {
    let status = response.status();
    if status.is_success() {
        return response.json().await.map_err(|e| MmError::BadResponse(e.to_string()));
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = response.text().await.unwrap_or_default();
    // 429 bodies are plain text; everything else should be an AppError.
    let error: AppError = if status == StatusCode::TOO_MANY_REQUESTS {
        AppError { id: "rate_limited".into(), message: text.trim().to_string() }
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|_| AppError { id: String::new(), message: text.chars().take(200).collect() })
    };
    Err(MmError::Status { status: status.as_u16(), id: error.id, message: error.message, retry_after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_late_reply_goes_only_to_a_response_url_of_our_mattermost() {
        let client = MattermostClient::new("https://chat.example.com", "token", Duration::from_secs(1));
        let reply = CommandResponse::ephemeral("done");
        for foreign in [
            "https://evil.example/hooks/commands/abc",
            "http://chat.example.com/hooks/commands/abc",
            "https://chat.example.com:8443/hooks/commands/abc",
            "https://chat.example.com/api/v4/posts",
            "not a url",
        ] {
            let refused = client.respond_to_command(foreign, &reply).await;
            assert!(matches!(refused, Err(MmError::ForeignUrl(_))), "{foreign}: {refused:?}");
        }
    }
}
