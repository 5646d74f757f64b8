//! A store holding one of everything: events with deliveries, a root post, an instance
//! with an alias, a subscription, a template, an encrypted secret, an admin account and
//! audit entries. Used for backup round trips and to generate the upgrade fixture.

use jirabridge::ids::{ChannelId, InstanceId};
use jirabridge::store::records::{
    DeliveryRecordV1, DeliveryState, EventRecordV1, FieldFilterRecordV1, InstanceRecordV1, InstanceType, PostRecordV1,
    RootPostRecordV1, RoutingKind, RoutingStatus, SubscriptionRecordV1, TargetRecordV1, ThreadRecordV1,
};
use jirabridge::store::{MasterKey, NewDelivery, NewEvent, Store, StoredSecret};

pub const INSTANCE: &str = "https://jira.example.com";
pub const SECRET_NAME: &str = "sample_secret";
pub const SECRET_VALUE: &str = "sample-secret-value-0123456789";
pub const ADMIN: &str = "alice";
pub const ADMIN_PASSWORD: &str = "a long sample password";
pub const ISSUE_KEYS: [&str; 2] = ["OPS-1", "OPS-2"];

/// Not the shape of a Mattermost id: the fixtures made from this store hold it, and a
/// stored id is read back as written.
fn channel() -> ChannelId {
    ChannelId::unchecked("channel1")
}

fn instance_id() -> InstanceId {
    InstanceId::parse(INSTANCE).unwrap()
}

pub fn fill(store: &Store, key: &MasterKey, now_ms: u64) {
    for (n, issue_key) in ISSUE_KEYS.iter().enumerate() {
        store.ingest(event(issue_key, now_ms, n as u8), vec![delivery(issue_key, now_ms)]).unwrap();
    }
    let root = RootPostRecordV1 { post_id: "rootpost1".into(), expires_at_ms: now_ms + 86_400_000 };
    store.put_root(INSTANCE, "10001", &channel(), &root).unwrap();
    store.put_instance(&instance(now_ms)).unwrap();
    store.put_subscription(&subscription("sub1", now_ms)).unwrap();
    store.put_template(&subscription("template1", now_ms)).unwrap();
    store.put_secret(SECRET_NAME, &StoredSecret { value: SECRET_VALUE.into(), valid_until_ms: None }, key).unwrap();
    jirabridge::accounts::set_password_as(store, ADMIN, ADMIN_PASSWORD, now_ms, "cli").unwrap();
}

fn event(issue_key: &str, at: u64, n: u8) -> NewEvent {
    let record = EventRecordV1 {
        received_at_ms: at,
        source: "firehose".into(),
        instance_id: Some(instance_id()),
        webhook_event: "jira:issue_created".into(),
        issue_key: issue_key.into(),
        project_key: "OPS".into(),
        events: vec!["event_created".into()],
        status: RoutingStatus::new(RoutingKind::Routed),
        headers: vec![("x-atlassian-webhook-identifier".into(), format!("hook-{n}"))],
        raw_body: format!(r#"{{"webhookEvent":"jira:issue_created","issue":{{"key":"{issue_key}"}}}}"#).into_bytes(),
    };
    NewEvent { record, dedup_keys: vec![[n + 1; 32]], dedup_window_ms: 600_000, issue_facts: None }
}

fn delivery(issue_key: &str, at: u64) -> NewDelivery {
    let record = DeliveryRecordV1 {
        event_id: 0,
        target: TargetRecordV1::ChannelId(channel()),
        lane: "channel1".into(),
        post: PostRecordV1::FromEvent { subscription_name: Some("sample".into()) },
        state: DeliveryState::Pending,
        attempts: 0,
        created_at_ms: at,
        due_at_ms: at,
        first_attempt_at_ms: None,
        last_sent_at_ms: None,
        finished_at_ms: None,
        last_error: None,
        post_id: None,
        issue_url: format!("{INSTANCE}/browse/{issue_key}"),
        thread: Some(ThreadRecordV1 {
            instance_id: INSTANCE.into(),
            issue_id: "10001".into(),
            is_comment: false,
            root_days: 30,
        }),
    };
    NewDelivery { record }
}

fn instance(at: u64) -> InstanceRecordV1 {
    InstanceRecordV1 {
        id: instance_id(),
        instance_type: InstanceType::Server,
        alias: Some("corp".into()),
        is_default: true,
        is_v2_legacy: false,
        created_at_ms: at,
    }
}

fn subscription(id: &str, at: u64) -> SubscriptionRecordV1 {
    SubscriptionRecordV1 {
        id: id.into(),
        channel_id: channel(),
        name: format!("{id} name"),
        instance_id: instance_id(),
        events: vec!["event_created".into()],
        projects: vec!["OPS".into()],
        issue_types: vec!["10001".into()],
        fields: vec![FieldFilterRecordV1 {
            key: "priority".into(),
            inclusion: "include_any".into(),
            values: vec!["1".into()],
        }],
        state: jirabridge::store::records::SubscriptionState::Active,
        broken_reason: None,
        created_at_ms: at,
        updated_at_ms: at,
        created_by: "api".into(),
    }
}

/// Checks what `fill` stored (other data may be there too), through the public getters.
pub fn assert_filled(store: &Store, key: &MasterKey) {
    let events = store.recent_events(10).unwrap();
    let ours: Vec<_> = events.iter().filter(|(_, e)| ISSUE_KEYS.contains(&e.issue_key.as_str())).collect();
    assert_eq!(ours.len(), ISSUE_KEYS.len(), "{events:?}");
    assert!(ours.iter().all(|(_, e)| e.instance_id == Some(instance_id()) && !e.raw_body.is_empty()));
    let deliveries = store.all_deliveries().unwrap();
    assert!(
        deliveries.iter().all(|d| events.iter().any(|(id, _)| *id == d.record.event_id)),
        "deliveries keep their events"
    );
    for (id, event) in &ours {
        let of_event = store.deliveries_of_event(*id).unwrap();
        assert_eq!(of_event.len(), 1, "{}: one delivery, never copied twice", event.issue_key);
    }
    // Every unfinished delivery is found as its lane's head or behind it (the lane index,
    // built by the migration to schema 4 for older stores).
    let unfinished = deliveries.iter().filter(|d| !d.record.state.is_finished()).count();
    let lanes: std::collections::HashSet<&str> =
        deliveries.iter().filter(|d| !d.record.state.is_finished()).map(|d| d.record.lane.as_str()).collect();
    let heads = store.due_lane_heads(u64::MAX, &Default::default(), usize::MAX).unwrap();
    assert_eq!(heads.len(), lanes.len(), "one head per lane with {unfinished} unfinished deliveries");
    assert_eq!(store.instance_id_for_alias("corp").unwrap(), Some(instance_id()));
    assert_eq!(store.instance(INSTANCE).unwrap().unwrap().instance_type, InstanceType::Server);
    assert_eq!(store.subscriptions().unwrap().len(), 1);
    assert_eq!(store.subscription_ids_in_channel(&channel()).unwrap(), vec!["sub1".to_string()]);
    assert_eq!(store.template_ids_for_project(&instance_id(), "OPS").unwrap(), vec!["template1".to_string()]);
    assert_eq!(store.secret(SECRET_NAME, key).unwrap().unwrap().value, SECRET_VALUE);
    assert!(jirabridge::accounts::verify(store, ADMIN, ADMIN_PASSWORD).unwrap());
    assert!(!store.audit_entries(0, 10).unwrap().is_empty());
}
