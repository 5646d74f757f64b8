//! What an import remembers of each record it wrote (issue 19 point 8): the SHA-256 of the
//! parts an export decides, kept in `imported_hash`. On the next import, a record whose
//! hash still matches is as the import left it, so a newer export may update it; one that
//! differs was changed in jirabridge since (an edited subscription, a reconnected user) and
//! is kept, reported as a conflict unless `--overwrite`.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::instances::oauth::InstanceAuth;
use crate::store::records::{InstanceRecordV1, SubscriptionRecordV1};
use crate::store::{Connection, ConnectionAuth};

pub const INSTANCE: &str = "instance";
pub const SUBSCRIPTION: &str = "subscription";
pub const TEMPLATE: &str = "template";
pub const CONNECTION: &str = "connection";
/// The webhook secret, under the id [`CURRENT`].
pub const WEBHOOK_SECRET: &str = "webhook_secret";
pub const CURRENT: &str = "current";
/// A plugin setting, under its jirabridge key.
pub const SETTING: &str = "setting";

fn sha256(parts: &impl Serialize) -> [u8; 32] {
    // Serialising plain records and strings cannot fail; an empty text would still hash.
    Sha256::digest(serde_json::to_vec(parts).unwrap_or_default()).into()
}

/// An instance: its type, alias, v2 mark and connected-mode settings.
pub fn of_instance(record: &InstanceRecordV1, auth: &InstanceAuth) -> [u8; 32] {
    sha256(&(record.instance_type.as_str(), &record.alias, record.is_v2_legacy, auth))
}

/// A subscription or template: where it posts and what it matches.
pub fn of_rule(record: &SubscriptionRecordV1) -> [u8; 32] {
    sha256(&(
        &record.channel_id,
        &record.name,
        &record.instance_id,
        &record.events,
        &record.projects,
        &record.issue_types,
        &record.fields,
    ))
}

/// The webhook secret an import made current. Like the admin token, a secret is kept only
/// as its SHA-256.
pub fn of_secret(value: &str) -> [u8; 32] {
    sha256(&("webhook_secret", value))
}

/// A setting's value (secrets too: only the hash is kept).
pub fn of_setting(key: &str, value: &serde_json::Value) -> [u8; 32] {
    sha256(&("setting", key, value))
}

/// A connection: who the user is in Jira and the credentials (hashed, never stored).
pub fn of_connection(connection: &Connection) -> [u8; 32] {
    let credentials: Vec<&str> = match &connection.auth {
        ConnectionAuth::OAuth1 { token, secret } => vec!["oauth1", token, secret],
        ConnectionAuth::OAuth2 { access_token, refresh_token, .. } => vec!["oauth2", access_token, refresh_token],
        ConnectionAuth::Pat { token } => vec!["pat", token],
        ConnectionAuth::ApiToken { email, token } => vec!["api_token", email, token],
    };
    sha256(&(&connection.jira, credentials))
}
