//! Mattermost JSON shapes we read (only the fields we use; others are ignored).

use serde::Deserialize;

use crate::ids::{ChannelId, MmUserId};

/// `GET /api/v4/users/me` and `GET /api/v4/users/{id}`.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: MmUserId,
    #[serde(default)]
    pub username: String,
    /// Space-separated role names (`system_user system_admin`).
    #[serde(default)]
    pub roles: String,
}

impl User {
    pub fn is_system_admin(&self) -> bool {
        self.roles.split_whitespace().any(|role| role == "system_admin")
    }
}

/// A channel's or a team's member (`GET /channels/{cid}/members/{uid}`,
/// `GET /teams/{tid}/members/{uid}`): explicit roles, and whether the scheme makes them an
/// admin there.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Member {
    /// Space-separated role names (`channel_user channel_admin`).
    #[serde(default)]
    pub roles: String,
    #[serde(default)]
    pub scheme_admin: bool,
}

impl Member {
    /// Whether the member holds `role` or is an admin by the scheme.
    pub fn is_admin(&self, role: &str) -> bool {
        self.scheme_admin || self.roles.split_whitespace().any(|r| r == role)
    }
}

/// A channel (`GET /teams/name/{team}/channels/name/{channel}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Channel {
    pub id: ChannelId,
    /// `O` open, `P` private, `D` direct, `G` group.
    #[serde(default, rename = "type")]
    pub channel_type: String,
    #[serde(default)]
    pub team_id: String,
    /// The name in the channel's URL.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub delete_at: i64,
}

/// What jirabridge reads of the post `POST /posts` created: its id. Mattermost answers with
/// the whole post; its message and props (the attachments) are skipped, not built, since a
/// delivery makes one such request per post.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedPost {
    pub id: String,
}

/// A post as read back: `GET /posts/{id}` and post lists.
#[derive(Debug, Clone, Deserialize)]
pub struct Post {
    pub id: String,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub root_id: String,
    #[serde(default)]
    pub message: String,
    /// When it was posted, ms since the epoch.
    #[serde(default)]
    pub create_at: i64,
    /// Files attached to the post (at most 5).
    #[serde(default)]
    pub file_ids: Vec<String>,
    /// Kept as read: a channel holds other integrations' posts, whose props can have any
    /// shape, and one of those must not make a whole post list unreadable.
    #[serde(default)]
    pub props: serde_json::Value,
}

impl Post {
    /// The jirabridge delivery the post was made for, if any.
    pub fn delivery_id(&self) -> Option<&str> {
        self.props.get(super::post::DELIVERY_ID_PROP).and_then(serde_json::Value::as_str)
    }
}

/// `GET /channels/{id}/posts`.
#[derive(Debug, Clone, Deserialize)]
pub struct PostList {
    /// Post ids in the server's order.
    #[serde(default)]
    pub order: Vec<String>,
    #[serde(default)]
    pub posts: std::collections::HashMap<String, Post>,
}

/// What Mattermost knows of an uploaded file (`GET /api/v4/files/{id}/info`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct FileInfo {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub mime_type: String,
}

/// The JSON body of an API error (every error but 429, which is plain text).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct AppError {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub message: String,
}
