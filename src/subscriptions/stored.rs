//! Subscriptions as stored records and as the API's JSON (the plugin's shape plus state and
//! timestamps), converted explicitly.

use serde_json::{json, Value};

use super::model::{FieldFilter, Filters, Subscription};
use crate::store::records::SubscriptionState;
use crate::store::records::{FieldFilterRecordV1, SubscriptionRecordV1};

/// Facts kept beside the plugin's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub state: SubscriptionState,
    pub broken_reason: Option<String>,
    pub created_at_ms: u64,
    pub updated_at_ms: u64,
    pub created_by: String,
}

pub fn to_record(sub: &Subscription, meta: Meta) -> SubscriptionRecordV1 {
    let fields = sub
        .filters
        .fields
        .iter()
        .map(|f| FieldFilterRecordV1::new(f.key.clone(), f.inclusion.clone(), f.values.iter().cloned().collect()))
        .collect();
    SubscriptionRecordV1 {
        id: sub.id.clone(),
        channel_id: sub.channel_id.clone(),
        name: sub.name.clone(),
        instance_id: sub.instance_id.clone(),
        events: sub.filters.events.iter().cloned().collect(),
        projects: sub.filters.projects.iter().cloned().collect(),
        issue_types: sub.filters.issue_types.iter().cloned().collect(),
        fields,
        state: meta.state,
        broken_reason: meta.broken_reason,
        created_at_ms: meta.created_at_ms,
        updated_at_ms: meta.updated_at_ms,
        created_by: meta.created_by,
    }
}

pub fn from_record(record: &SubscriptionRecordV1) -> Subscription {
    let fields = record
        .fields
        .iter()
        .map(|f| FieldFilter {
            key: f.key.clone(),
            inclusion: f.inclusion.clone(),
            values: f.values.iter().cloned().collect(),
        })
        .collect();
    Subscription {
        id: record.id.clone(),
        channel_id: record.channel_id.clone(),
        name: record.name.clone(),
        instance_id: record.instance_id.clone(),
        filters: Filters {
            events: record.events.iter().cloned().collect(),
            projects: record.projects.iter().cloned().collect(),
            issue_types: record.issue_types.iter().cloned().collect(),
            fields,
        },
    }
}

pub fn meta_of(record: &SubscriptionRecordV1) -> Meta {
    Meta {
        state: record.state,
        broken_reason: record.broken_reason.clone(),
        created_at_ms: record.created_at_ms,
        updated_at_ms: record.updated_at_ms,
        created_by: record.created_by.clone(),
    }
}

/// The API's JSON: the plugin's subscription plus `state`, `broken_reason` and timestamps.
/// SPEC §7.4: the rules of a removed instance are kept but inactive until it is added
/// again; the stored state says how delivery went, this says whether the rule can act.
pub fn shown_state(record: &SubscriptionRecordV1, installed: &[String]) -> String {
    if installed.iter().any(|id| id == record.instance_id.as_str()) {
        record.state.to_string()
    } else {
        INACTIVE.to_string()
    }
}

/// The state shown for a rule whose instance was removed.
pub const INACTIVE: &str = "inactive";

pub fn to_json(record: &SubscriptionRecordV1) -> Value {
    let mut value = serde_json::to_value(from_record(record)).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("state".into(), json!(record.state));
        map.insert("broken_reason".into(), json!(record.broken_reason));
        map.insert("created_at".into(), json!(record.created_at_ms));
        map.insert("updated_at".into(), json!(record.updated_at_ms));
        map.insert("created_by".into(), json!(record.created_by));
    }
    value
}
