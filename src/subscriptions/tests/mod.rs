//! Story-level tests of subscription matching, on invented Jira payloads written inline.

mod filter_table;
mod index;
mod matching;

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{FieldFilter, Filters, IssueFacts, Subscription};
use crate::ids::{ChannelId, InstanceId};
use crate::jira::payload::Payload;

pub const PROJECT: &str = "KT";
pub const BUG: &str = "10004";

pub fn set(xs: &[&str]) -> BTreeSet<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

pub fn events(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

pub fn filter(key: &str, inclusion: &str, values: &[&str]) -> FieldFilter {
    FieldFilter { key: key.into(), inclusion: inclusion.into(), values: set(values) }
}

/// A subscription on project KT, bugs, the given events and field filters.
pub fn sub(events: &[&str], fields: Vec<FieldFilter>) -> Subscription {
    Subscription {
        id: "kx9wqy3m7bn8ffe4ob1t5dq6ha".into(),
        channel_id: ChannelId::unchecked("4fgt3n51f7ftpff91gk1iy1ew9"),
        name: "KT bugs".into(),
        instance_id: InstanceId::unchecked("https://jira.example.org"),
        filters: Filters { events: set(events), projects: set(&[PROJECT]), issue_types: set(&[BUG]), fields },
    }
}

/// An `issue_updated` payload for KT-42, a bug, with `extra` merged into `issue.fields`.
pub fn issue_payload(extra: Value) -> Value {
    let mut fields = json!({
        "summary": "Export fails for large boards",
        "project": {"id": "10200", "key": PROJECT, "name": "Kestrel"},
        "issuetype": {"id": BUG, "name": "Bug", "subtask": false},
        "status": {"id": "3", "name": "In Progress"},
        "labels": [],
        "resolution": null,
    });
    for (key, value) in extra.as_object().into_iter().flatten() {
        fields[key] = value.clone();
    }
    json!({
        "timestamp": 1718000000000u64,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "issue": {
            "id": "10342", "key": "KT-42", "self": "https://jira.example.org/rest/api/2/issue/10342", "fields": fields
        },
    })
}

pub fn cloud_facts(payload: Value) -> IssueFacts {
    IssueFacts::from_payload(&Payload(payload), true)
}

pub fn issue_facts(extra: Value) -> IssueFacts {
    cloud_facts(issue_payload(extra))
}
