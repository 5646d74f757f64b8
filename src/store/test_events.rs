//! A sample event for the store's own tests.

use super::records::EventRecordV1;
use super::NewEvent;

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
        status: "routed".into(),
        headers: vec![],
        raw_body: vec![key],
    };
    NewEvent { record, dedup_keys: vec![[key; 32]], dedup_window_ms }
}
