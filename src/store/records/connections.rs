//! Records of Mattermost users and their Jira connections (SPEC §8.2). Version 1.

use serde::{Deserialize, Serialize};

/// A Mattermost user who connected Jira: which instances, and the default one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct UserRecordV1 {
    pub default_instance_id: Option<String>,
    pub connected_instances: Vec<String>,
}

impl UserRecordV1 {
    pub const VERSION: u16 = 1;
}

/// Who the user is in Jira, as `myself` answered when they connected.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct JiraUserRecordV1 {
    pub account_id: String,
    pub name: String,
    pub key: String,
    pub display_name: String,
    pub email: String,
    pub time_zone: String,
    pub avatar_url: String,
}

/// Which personal notifications the user wants (SPEC §8.3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NotificationSettingsRecordV1 {
    pub notifications: bool,
    pub assignee: bool,
    pub mention: bool,
    pub reporter: bool,
    pub watching: bool,
}

/// What a connection ended by an expired grant leaves for the user's next connection to
/// the same instance: their choices, none of their credentials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExpiredConnectionRecordV1 {
    pub settings: NotificationSettingsRecordV1,
    pub saved_project_key: Option<String>,
    pub saved_issue_type: Option<String>,
    pub expired_at_ms: u64,
}

impl ExpiredConnectionRecordV1 {
    pub const VERSION: u16 = 1;
}

/// One connection; `auth_sealed` holds an [`AuthRecordV1`] sealed with the master key
/// (bound to the tree and the record's key, see `sealed`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConnectionRecordV1 {
    pub jira: JiraUserRecordV1,
    #[serde(with = "crate::store::codec::byte_vec")]
    pub auth_nonce: Vec<u8>,
    #[serde(with = "crate::store::codec::byte_vec")]
    pub auth_sealed: Vec<u8>,
    pub settings: NotificationSettingsRecordV1,
    pub saved_project_key: Option<String>,
    pub saved_issue_type: Option<String>,
    pub connected_at_ms: u64,
}

impl ConnectionRecordV1 {
    pub const VERSION: u16 = 1;
}

/// The credentials of a connection, as sealed inside [`ConnectionRecordV1`].
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub enum AuthRecordV1 {
    OAuth1 { token: String, secret: String },
    OAuth2 { access_token: String, refresh_token: String, expires_at_ms: u64 },
    Pat { token: String },
    ApiToken { email: String, token: String },
}
