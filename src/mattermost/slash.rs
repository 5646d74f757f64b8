//! Custom slash commands in Mattermost's REST API (SPEC §9.6, §9.7, §11): what jirabridge
//! sends to register `/jira` in a team, and the command Mattermost answers with (its id and
//! token). External commands keep only the flat autocomplete fields.

use serde::{Deserialize, Serialize};

/// A custom command as `POST /api/v4/commands` takes it and `GET`/`PUT` return it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlashCommand {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Set by Mattermost; needed again on `PUT`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    #[serde(default)]
    pub creator_id: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub trigger: String,
    /// `P` (POST) or `G`.
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub auto_complete: bool,
    #[serde(default)]
    pub auto_complete_desc: String,
    #[serde(default)]
    pub auto_complete_hint: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub delete_at: i64,
}

/// A team (`GET /api/v4/teams/{id}`, `GET /api/v4/teams/name/{name}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Team {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub display_name: String,
}
