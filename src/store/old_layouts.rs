//! The stored records as they were laid out while their fields were plain `String`s, kept
//! to prove that typing those fields changed no stored byte: a record written in the old
//! layout decodes into today's type and encodes back to the very same bytes. Stores and
//! backups on users' disks hold records written that way.

use serde::{Deserialize, Serialize};

use super::codec;
use super::records::{
    DeliveryRecordV1, DeliveryState, EventRecordV1, EventRecordV2, InstanceRecordV1, InstanceType, RoutingKind,
    RoutingStatus, SubscriptionRecordV1, SubscriptionState,
};

#[derive(Serialize, Deserialize)]
enum TargetText {
    ChannelId(String),
    ChannelName { team: String, channel: String },
}

#[derive(Serialize, Deserialize)]
enum PostText {
    FromEvent { subscription_name: Option<String> },
    Json(String),
}

#[derive(Serialize, Deserialize)]
struct ThreadText {
    instance_id: String,
    issue_id: String,
    is_comment: bool,
    root_days: u32,
}

/// `DeliveryRecordV1` with its state as text.
#[derive(Serialize, Deserialize)]
struct DeliveryText {
    event_id: u64,
    target: TargetText,
    lane: String,
    post: PostText,
    state: String,
    attempts: u32,
    created_at_ms: u64,
    due_at_ms: u64,
    first_attempt_at_ms: Option<u64>,
    last_sent_at_ms: Option<u64>,
    finished_at_ms: Option<u64>,
    last_error: Option<String>,
    post_id: Option<String>,
    issue_url: String,
    thread: Option<ThreadText>,
}

fn delivery_text(state: &str, target: TargetText) -> DeliveryText {
    DeliveryText {
        event_id: 12,
        target,
        lane: "ch:4fgt3n51f7ftpff91gk1iy1ew9".into(),
        post: PostText::FromEvent { subscription_name: Some("Bugs".into()) },
        state: state.into(),
        attempts: 3,
        created_at_ms: 1_700_000_000_000,
        due_at_ms: 1_700_000_060_000,
        first_attempt_at_ms: Some(1_700_000_000_500),
        last_sent_at_ms: Some(1_700_000_030_000),
        finished_at_ms: None,
        last_error: Some("Mattermost answered 503".into()),
        post_id: None,
        issue_url: "https://jira.example.com/browse/OPS-12".into(),
        thread: Some(ThreadText {
            instance_id: "https://jira.example.com".into(),
            issue_id: "10001".into(),
            is_comment: true,
            root_days: 30,
        }),
    }
}

/// `EventRecordV1` with its routing status as text.
#[derive(Serialize, Deserialize)]
struct EventText {
    received_at_ms: u64,
    source: String,
    instance_id: Option<String>,
    webhook_event: String,
    issue_key: String,
    project_key: String,
    events: Vec<String>,
    status: String,
    headers: Vec<(String, String)>,
    #[serde(with = "super::codec::byte_vec")]
    raw_body: Vec<u8>,
}

/// `EventRecordV2`: the event, its dedup keys and its first deliveries.
#[derive(Serialize, Deserialize)]
struct StoredEventText {
    event: EventText,
    dedup_keys: Vec<[u8; 32]>,
    deliveries: Vec<(u64, DeliveryText)>,
}

fn event_text(status: &str) -> EventText {
    EventText {
        received_at_ms: 1_700_000_000_000,
        source: "firehose".into(),
        instance_id: Some("https://acme.atlassian.net".into()),
        webhook_event: "comment_created".into(),
        issue_key: "OPS-12".into(),
        project_key: "OPS".into(),
        events: vec!["event_created_comment".into()],
        status: status.into(),
        headers: vec![("x-atlassian-webhook-identifier".into(), "hook-1".into())],
        raw_body: br#"{"webhookEvent":"comment_created"}"#.to_vec(),
    }
}

/// Every routing status jirabridge has written.
const STATUSES: [&str; 8] = [
    "routed",
    "unmatched",
    "unrouted",
    "security level unknown",
    "routing pending",
    "routed, enriched from event #7",
    "unmatched, enriched from Jira",
    "unmatched, the issue could not be read from Jira: Jira answered 404",
];

/// `InstanceRecordV1` with its type as text.
#[derive(Serialize, Deserialize)]
struct InstanceText {
    id: String,
    instance_type: String,
    alias: Option<String>,
    is_default: bool,
    is_v2_legacy: bool,
    created_at_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct FieldFilterText {
    key: String,
    inclusion: String,
    values: Vec<String>,
}

/// `SubscriptionRecordV1` with its channel and instance ids as text.
#[derive(Serialize, Deserialize)]
struct SubscriptionText {
    id: String,
    channel_id: String,
    name: String,
    instance_id: String,
    events: Vec<String>,
    projects: Vec<String>,
    issue_types: Vec<String>,
    fields: Vec<FieldFilterText>,
    state: String,
    broken_reason: Option<String>,
    created_at_ms: u64,
    updated_at_ms: u64,
    created_by: String,
}

/// Encodes `old`, decodes it as `New`, checks `check` on it and that it encodes back to
/// the same bytes.
fn same_bytes<New: Serialize + serde::de::DeserializeOwned>(version: u16, old: &impl Serialize, check: impl Fn(&New)) {
    let written = codec::encode(version, old).unwrap();
    let read: New = codec::decode(version, &written).unwrap();
    check(&read);
    assert_eq!(codec::encode(version, &read).unwrap(), written, "the typed record encodes to the old bytes");
}

#[test]
fn a_delivery_in_the_old_layout_reads_with_its_state_typed_and_writes_the_same_bytes() {
    for state in DeliveryState::ALL {
        let targets = [
            TargetText::ChannelId("4fgt3n51f7ftpff91gk1iy1ew9".into()),
            TargetText::ChannelName { team: "eng".into(), channel: "town-square".into() },
        ];
        for target in targets {
            let old = delivery_text(state.as_str(), target);
            same_bytes(DeliveryRecordV1::VERSION, &old, |read: &DeliveryRecordV1| assert_eq!(read.state, state));
        }
    }
}

#[test]
fn a_delivery_whose_state_is_unknown_is_refused_with_the_state_named() {
    let old = codec::encode(DeliveryRecordV1::VERSION, &delivery_text("parked", TargetText::ChannelId("c".into())));
    let error = codec::decode::<DeliveryRecordV1>(DeliveryRecordV1::VERSION, &old.unwrap()).unwrap_err();
    assert!(error.to_string().contains("unknown delivery state `parked`"), "{error}");
}

#[test]
fn an_event_in_the_old_layout_reads_with_its_status_typed_and_writes_the_same_bytes() {
    for text in STATUSES {
        let check = |read: &EventRecordV1| assert_eq!(read.status.to_string(), text);
        same_bytes(EventRecordV1::VERSION, &event_text(text), check);
        let stored = StoredEventText {
            event: event_text(text),
            dedup_keys: vec![[7; 32]],
            deliveries: vec![(3, delivery_text("pending", TargetText::ChannelId("c".into())))],
        };
        same_bytes(EventRecordV2::VERSION, &stored, |read: &EventRecordV2| {
            assert_eq!(read.event.status.to_string(), text);
            assert_eq!(read.deliveries[0].1.state, DeliveryState::Pending);
        });
    }
    let enriched = RoutingStatus::with_note(RoutingKind::Routed, "enriched from event #7");
    same_bytes(EventRecordV1::VERSION, &event_text(STATUSES[5]), |read: &EventRecordV1| {
        assert_eq!(read.status, enriched)
    });
}

#[test]
fn an_event_whose_status_is_unknown_is_refused_with_the_status_named() {
    let old = codec::encode(EventRecordV1::VERSION, &event_text("ignored")).unwrap();
    let error = codec::decode::<EventRecordV1>(EventRecordV1::VERSION, &old).unwrap_err();
    assert!(error.to_string().contains("unknown routing status `ignored`"), "{error}");
}

#[test]
fn an_instance_in_the_old_layout_reads_with_its_type_typed_and_writes_the_same_bytes() {
    for kind in InstanceType::ALL {
        let old = InstanceText {
            id: "https://jira.example.com".into(),
            instance_type: kind.as_str().into(),
            alias: Some("corp".into()),
            is_default: true,
            is_v2_legacy: false,
            created_at_ms: 1_700_000_000_000,
        };
        same_bytes(InstanceRecordV1::VERSION, &old, |read: &InstanceRecordV1| assert_eq!(read.instance_type, kind));
    }
}

#[test]
fn a_subscription_in_the_old_layout_reads_with_its_ids_typed_and_writes_the_same_bytes() {
    let old = SubscriptionText {
        id: "kx9wqy3m7bn8ffe4ob1t5dq6ha".into(),
        channel_id: "4fgt3n51f7ftpff91gk1iy1ew9".into(),
        name: "Bugs".into(),
        instance_id: "https://jira.example.com".into(),
        events: vec!["event_created".into()],
        projects: vec!["OPS".into()],
        issue_types: vec!["10001".into()],
        fields: vec![FieldFilterText {
            key: "priority".into(),
            inclusion: "include_any".into(),
            values: vec!["1".into()],
        }],
        state: "active".into(),
        broken_reason: None,
        created_at_ms: 1,
        updated_at_ms: 2,
        created_by: "api".into(),
    };
    same_bytes(SubscriptionRecordV1::VERSION, &old, |read: &SubscriptionRecordV1| {
        assert_eq!(
            (read.channel_id.as_str(), read.instance_id.as_str()),
            (old.channel_id.as_str(), old.instance_id.as_str())
        );
        assert_eq!(read.state, SubscriptionState::Active, "the state text reads as its type");
    });
}
