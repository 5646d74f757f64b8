//! Stored record types: the on-disk shape, separate from the domain types they carry.
//!
//! Each record has a `VERSION`; a change of shape adds a new struct and a conversion from
//! the old one in the reader, so data written by an older binary stays readable.
//!
//! Code outside `store` builds records with the constructors in `constructors` (a tidy
//! test checks it), so a change of shape is made here and in the readers, not wherever a
//! record is made.

use serde::{Deserialize, Serialize};

mod connections;
mod constructors;

pub use connections::{
    AuthRecordV1, ConnectionRecordV1, ExpiredConnectionRecordV1, JiraUserRecordV1, NotificationSettingsRecordV1,
    UserRecordV1,
};

pub use super::states::{DeliveryState, RoutingKind, RoutingStatus, SubscriptionState};
pub use crate::ids::{ChannelId, InstanceId, InstanceType};

/// A received webhook, as stored. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventRecordV1 {
    pub received_at_ms: u64,
    /// `legacy` or `firehose`.
    pub source: String,
    /// The instance routing chose (or the legacy webhook's path named), if any.
    pub instance_id: Option<InstanceId>,
    pub webhook_event: String,
    pub issue_key: String,
    pub project_key: String,
    pub events: Vec<String>,
    /// How it was routed; stored as its text (`routed`, `unmatched, <why>`, …), as when it
    /// was a `String`.
    pub status: RoutingStatus,
    pub headers: Vec<(String, String)>,
    #[serde(with = "super::codec::byte_vec")]
    pub raw_body: Vec<u8>,
}

impl EventRecordV1 {
    pub const VERSION: u16 = 1;
}

/// A received webhook as the ingest writer stores it: the version 1 event followed by what
/// makes that one insert complete on its own, so that the webhook can be acknowledged after
/// a single write. Version 2.
///
/// Its body begins with the version 1 body, so readers that only want the event decode
/// either version the same way.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventRecordV2 {
    pub event: EventRecordV1,
    /// The keys that identify this webhook for deduplication (rebuilt into memory at start).
    pub dedup_keys: Vec<[u8; 32]>,
    /// The deliveries created with the event, as first stored. The outbox copies them into
    /// `deliveryid_delivery` right after the acknowledgement; this copy is what a restart
    /// uses when that did not happen.
    pub deliveries: Vec<(u64, DeliveryRecordV1)>,
}

impl EventRecordV2 {
    pub const VERSION: u16 = 2;
    /// Version 3 is this layout with `event.raw_body` compressed (an LZ4 block, its length in
    /// front): Jira payloads are repetitive JSON of 10–50 KB, and what sled costs per event
    /// follows the bytes it writes. Only `store::events` writes and reads it.
    pub const VERSION_COMPRESSED: u16 = 3;
}

/// Where a delivery goes. Version 1 of the delivery record embeds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum TargetRecordV1 {
    ChannelId(ChannelId),
    /// Legacy webhooks name a channel; the worker resolves it when Mattermost answers.
    ChannelName {
        team: String,
        channel: String,
    },
}

/// One post to make, as stored. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeliveryRecordV1 {
    pub event_id: u64,
    pub target: TargetRecordV1,
    /// Ordering lane (one per destination): deliveries of a lane go in id order.
    pub lane: String,
    /// What to post.
    pub post: PostRecordV1,
    /// Stored as its text (`pending`, `in_flight`, …), as when it was a `String`.
    pub state: DeliveryState,
    pub attempts: u32,
    pub created_at_ms: u64,
    pub due_at_ms: u64,
    pub first_attempt_at_ms: Option<u64>,
    /// When it was last handed to Mattermost (the start of a possible unseen post).
    pub last_sent_at_ms: Option<u64>,
    pub finished_at_ms: Option<u64>,
    pub last_error: Option<String>,
    pub post_id: Option<String>,
    /// Issue URL, used as the link when a post must be shortened.
    pub issue_url: String,
    /// Comment threading (SPEC §5.8); `None` when the post is never threaded.
    pub thread: Option<ThreadRecordV1>,
}

/// The content of a delivery's post.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum PostRecordV1 {
    /// Rendered from the stored event when it is sent (keeps ingest cheap, and uses the
    /// display settings in force at that time).
    FromEvent {
        /// The matching subscription's name, shown when `display_subscription_name` is on.
        subscription_name: Option<String>,
    },
    /// A ready post body (`message`, `type`, `props`; no `channel_id`/`root_id`).
    Json(String),
}

/// How a delivery takes part in comment threads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThreadRecordV1 {
    /// The event's instance id, empty for a legacy webhook without one in its URL (so not
    /// an `InstanceId`: the root post's key is this text).
    pub instance_id: String,
    pub issue_id: String,
    /// A comment event: posted as a reply under the issue's live root post.
    pub is_comment: bool,
    /// Days a new root post stays the thread for the issue's comments in this channel.
    pub root_days: u32,
}

/// What subscription filters last saw of an issue (SPEC §4.5): Jira Cloud's comment
/// payloads name no security level and few fields, so they are routed with these.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IssueFactsRecordV1 {
    /// The stored event these facts were read from.
    pub event_id: u64,
    pub seen_at_ms: u64,
    pub project_key: String,
    pub issue_type_id: String,
    pub has_security_level: bool,
    /// Lower-cased field key → the values filters compare against.
    pub fields: Vec<(String, Vec<String>)>,
}

impl IssueFactsRecordV1 {
    pub const VERSION: u16 = 1;
}

/// The first post about an issue in a channel, which its comments reply to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RootPostRecordV1 {
    pub post_id: String,
    pub expires_at_ms: u64,
}

impl RootPostRecordV1 {
    pub const VERSION: u16 = 1;
}

impl DeliveryRecordV1 {
    pub const VERSION: u16 = 1;
}

/// An encrypted secret value (AES-256-GCM). Written at record version 2 (`sealed::BOUND`:
/// sealed with its tree and name as associated data); version 1, the same fields sealed
/// without, still reads (see `sealed`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecretRecordV1 {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
    /// Until when (ms) a superseded value is still accepted; `None` = current.
    pub valid_until_ms: Option<u64>,
}

/// A Jira instance. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstanceRecordV1 {
    pub id: InstanceId,
    /// Stored as `server` or `cloud`, as when it was a `String`.
    pub instance_type: InstanceType,
    pub alias: Option<String>,
    pub is_default: bool,
    pub is_v2_legacy: bool,
    pub created_at_ms: u64,
}

impl InstanceRecordV1 {
    pub const VERSION: u16 = 1;
}

/// One field filter of a subscription.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldFilterRecordV1 {
    pub key: String,
    pub inclusion: String,
    pub values: Vec<String>,
}

/// A channel subscription. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubscriptionRecordV1 {
    pub id: String,
    pub channel_id: ChannelId,
    pub name: String,
    pub instance_id: InstanceId,
    pub events: Vec<String>,
    pub projects: Vec<String>,
    pub issue_types: Vec<String>,
    pub fields: Vec<FieldFilterRecordV1>,
    /// Stored as the text `active` or `broken`, as when it was a `String`.
    pub state: SubscriptionState,
    pub broken_reason: Option<String>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub created_by: String,
}

impl SubscriptionRecordV1 {
    pub const VERSION: u16 = 1;
}

/// One change made by an admin, kept for the audit log. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditRecordV1 {
    pub at_ms: u64,
    /// `api`, an admin user name, or `mm:<user id>`.
    pub actor: String,
    pub action: String,
    pub target: String,
    /// JSON of the object before and after, secrets redacted.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditRecordV1 {
    pub const VERSION: u16 = 1;
}

/// A signed-in console session, keyed by the SHA-256 of its cookie value. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionRecordV1 {
    pub username: String,
    /// Every console form carries this token; a POST without it is refused.
    pub csrf_token: String,
    pub created_at_ms: u64,
    /// Sessions slide: each request moves the expiry to `last_seen + ttl`.
    pub last_seen_ms: u64,
}

impl SessionRecordV1 {
    pub const VERSION: u16 = 1;
}

/// Failed sign-ins of one (address, user name) in the current window. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoginAttemptsRecordV1 {
    pub window_started_ms: u64,
    pub failures: u32,
}

impl LoginAttemptsRecordV1 {
    pub const VERSION: u16 = 1;
}

/// An admin console account. Version 1.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct AdminUserRecordV1 {
    pub username: String,
    /// argon2id hash in PHC string form (`$argon2id$v=19$m=…`), salt included.
    pub password_hash: String,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
}

impl AdminUserRecordV1 {
    pub const VERSION: u16 = 1;
}

impl std::fmt::Debug for AdminUserRecordV1 {
    /// Leaves the hash out: it is not a secret in itself, but it is what an attacker wants.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminUserRecordV1")
            .field("username", &self.username)
            .field("password_hash", &"***")
            .field("created_at_ms", &self.created_at_ms)
            .field("updated_at_ms", &self.updated_at_ms)
            .finish()
    }
}
/// A setting edited in the console. Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SettingRecordV1 {
    /// The value as JSON text (string, number, boolean or list).
    pub value_json: String,
    pub set_at_ms: u64,
    /// `api`, an admin user name, or `mm:<user id>`.
    pub set_by: String,
}

impl SettingRecordV1 {
    pub const VERSION: u16 = 1;
}

/// The `/jira` command jirabridge registered in a team; the token is encrypted. Versions as
/// [`SecretRecordV1`]'s.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CommandRegistrationRecordV1 {
    pub command_id: String,
    pub nonce: Vec<u8>,
    pub token_ciphertext: Vec<u8>,
    pub registered_at_ms: u64,
}
