//! A sample event and delivery for the store's own tests.

use super::records::{
    ChannelId, DeliveryRecordV1, DeliveryState, EventRecordV1, PostRecordV1, RoutingKind, RoutingStatus, TargetRecordV1,
};
use super::{NewDelivery, NewEvent};

/// An issue-created event whose dedup key and body are made from `key`, received at `at`.
pub fn sample_event(key: u8, at: u64, dedup_window_ms: u64) -> NewEvent {
    let record = EventRecordV1 {
        received_at_ms: at,
        source: "legacy".into(),
        instance_id: None,
        webhook_event: "jira:issue_created".into(),
        issue_key: "A-1".into(),
        project_key: "A".into(),
        events: vec!["event_created".into()],
        status: RoutingStatus::new(RoutingKind::Routed),
        headers: vec![],
        raw_body: vec![key],
    };
    NewEvent { record, dedup_keys: vec![[key; 32]], dedup_window_ms, issue_facts: None }
}

/// A pending delivery to channel `c` in `lane`, created and due at `due`.
pub fn sample_delivery(lane: &str, due: u64) -> NewDelivery {
    let record = DeliveryRecordV1 {
        event_id: 0,
        target: TargetRecordV1::ChannelId(ChannelId::unchecked("c")),
        lane: lane.into(),
        post: PostRecordV1::Json("{}".into()),
        state: DeliveryState::Pending,
        attempts: 0,
        created_at_ms: due,
        due_at_ms: due,
        first_attempt_at_ms: None,
        last_sent_at_ms: None,
        finished_at_ms: None,
        last_error: None,
        post_id: None,
        issue_url: String::new(),
        thread: None,
    };
    NewDelivery { record }
}
