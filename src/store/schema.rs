//! The list of sled trees and the schema version: the single place that says what is stored.
//!
//! Tree names follow `key_value`: the key's meaning, an underscore, the value's meaning.
//! Keys are UTF-8 or big-endian integers joined by `0x00`, so sled's byte order is the
//! logical order (time-ordered indexes scan oldest first).

/// Version of the on-disk layout. Bump it and add a step to `migrations` when a tree
/// changes shape; the store refuses to open a database newer than this.
pub const SCHEMA_VERSION: u32 = 6;

/// Every tree jirabridge uses. Opening the store opens exactly these.
pub const TREES: &[&str] = &[
    META,
    SECRET_VALUE,
    EVENTID_EVENT,
    DELIVERYID_DELIVERY,
    LANE_DELIVERYID,
    ISSUE_CHANNEL_ROOTPOST,
    ISSUE_FACTS,
    PENDINGEVENT_INSTANCEID,
    INSTANCEID_INSTANCE,
    ALIAS_INSTANCEID,
    SUBID_SUBSCRIPTION,
    CHANNELID_SUBID,
    AUDITID_ENTRY,
    TEMPLATEID_TEMPLATE,
    COMMANDTEAM_TOKEN,
    TOKEN_ONETIME,
    INSTANCE_PROJECT_TEMPLATEID,
    SESSIONID_SESSION,
    LOGINKEY_ATTEMPTS,
    ADMINUSER_RECORD,
    SETTING_VALUE,
    MMUSERID_USER,
    INSTANCE_MMUSER_CONNECTION,
    INSTANCE_MMUSER_EXPIRED,
    INSTANCE_JIRAUSER_MMUSERID,
    CATALOG_ENTRY,
    IMPORTED_HASH,
];

/// Store-wide facts: `schema_version`, `id_floor` (u64 BE, set by a restore: ids
/// handed out start above it), and `outbox_copied_through` (u64 BE: events up to this id
/// have their deliveries in `deliveryid_delivery`).
pub const META: &str = "meta";
/// Secrets (webhook secret current/previous, admin token hash, secret settings edited in
/// the console), encrypted with the master key.
pub const SECRET_VALUE: &str = "secret_value";
/// Event id (u64 BE) → stored webhook event, with its dedup keys and first deliveries
/// inside (written at record version 3, the raw body compressed; versions 1 and 2 read as
/// they are). Ids rise with receipt time, so this is also the time order.
pub const EVENTID_EVENT: &str = "eventid_event";
/// Trees of schema 1 that schema 2 removed (the migration drops them): a time index of
/// events, which their ids already give, and the dedup keys, now inside each event.
pub const RETIRED_RECEIVEDAT_EVENTID: &str = "receivedat_eventid";
pub const RETIRED_DEDUPKEY_EVENTID: &str = "dedupkey_eventid";
/// Delivery id (u64 BE) → delivery (target, post, state, attempts).
pub const DELIVERYID_DELIVERY: &str = "deliveryid_delivery";
/// The due-time index of unfinished deliveries (due-at ms 0x00 delivery id → lane), up to
/// schema 4; the lane index replaced it, and schema 5's migration drops it.
pub const RETIRED_DUEAT_DELIVERYID: &str = "dueat_deliveryid";
/// lane 0x00 delivery id (u64 BE) → due-at ms (u64 BE); every unfinished delivery, by lane,
/// so a lane's head is its first key and the worker finds the heads without reading the
/// whole outbox (schema 4). The delivery record is the truth: an entry is written after
/// its record and may outlive it by a crash (readers drop such an entry, see `deliveries`).
pub const LANE_DELIVERYID: &str = "lane_deliveryid";
/// instance 0x00 issue id 0x00 channel id → root post of the issue's comment thread.
pub const ISSUE_CHANNEL_ROOTPOST: &str = "issue_channel_rootpost";
/// instance 0x00 issue id → what subscription filters last saw of the issue
/// (`IssueFactsRecordV1`), for Jira Cloud comments that name few fields. Outside event
/// retention: a comment on an issue idle for months still routes (schema 4).
pub const ISSUE_FACTS: &str = "issue_facts";
/// event id (u64 BE) → instance id, for each event stored before it could be routed
/// (status `routing pending`): written before the event, removed with its routing.
pub const PENDINGEVENT_INSTANCEID: &str = "pendingevent_instanceid";
/// Instance id (normalized Jira URL) → instance.
pub const INSTANCEID_INSTANCE: &str = "instanceid_instance";
/// Alias → instance id.
pub const ALIAS_INSTANCEID: &str = "alias_instanceid";
/// Subscription id → subscription.
pub const SUBID_SUBSCRIPTION: &str = "subid_subscription";
/// channel id 0x00 subscription id → empty; a channel's subscriptions.
pub const CHANNELID_SUBID: &str = "channelid_subid";
/// Audit entry id (u64 BE, in time order) → who changed what, before and after.
pub const AUDITID_ENTRY: &str = "auditid_entry";
/// Template id → subscription template (same record shape as a subscription).
pub const TEMPLATEID_TEMPLATE: &str = "templateid_template";
/// team id → the `/jira` command registered there (`CommandRegistrationRecordV1`: its id, and
/// its token encrypted with the master key), accepted only with that team.
pub const COMMANDTEAM_TOKEN: &str = "commandteam_token";
/// nonce of a signed dialog or button token that changes something → until when it is
/// remembered (ms, u64 BE): its first use is recorded here, and a second use is refused.
pub const TOKEN_ONETIME: &str = "token_onetime";
/// instance id 0x00 project key 0x00 template id → empty; a project's templates.
pub const INSTANCE_PROJECT_TEMPLATEID: &str = "instance_project_templateid";
/// SHA-256 of a console session cookie → session (user, CSRF token, last seen).
pub const SESSIONID_SESSION: &str = "sessionid_session";
/// client address 0x00 user name → failed sign-ins in the current window.
pub const LOGINKEY_ATTEMPTS: &str = "loginkey_attempts";
/// Admin console user name → account (argon2id password hash, times).
pub const ADMINUSER_RECORD: &str = "adminuser_record";
/// `section.key` → a setting edited in the console (never a secret: those go to
/// `secret_value`).
pub const SETTING_VALUE: &str = "setting_value";
/// Mattermost user id → `UserRecordV1`: the instances the user connected, and the default.
pub const MMUSERID_USER: &str = "mmuserid_user";
/// instance id 0x00 Mattermost user id → `ConnectionRecordV1` (credentials sealed inside).
pub const INSTANCE_MMUSER_CONNECTION: &str = "instance_mmuser_connection";
/// instance id 0x00 Mattermost user id → `ExpiredConnectionRecordV1`: the notification
/// settings and saved project of a connection whose grant expired, until the user
/// connects to that instance again (a new tree needs no migration: older stores have none).
pub const INSTANCE_MMUSER_EXPIRED: &str = "instance_mmuser_expired";
/// instance id 0x00 Jira accountId (Cloud) or user name (Data Center) → Mattermost user id:
/// who a Jira user is here, for DMs, mentions and `/jira assign @user`.
pub const INSTANCE_JIRAUSER_MMUSERID: &str = "instance_jirauser_mmuserid";
/// instance id 0x00 kind 0x00 id → the name last seen in a payload, the project, and when
/// (see `catalog`): the names the console offers.
pub const CATALOG_ENTRY: &str = "catalog_entry";
/// record kind 0x00 record id → the SHA-256 of the record as a plugin import wrote it
/// (see `import_writes`): an import may update a record still as it left it, and leaves
/// one changed since as a conflict.
pub const IMPORTED_HASH: &str = "imported_hash";
