//! The subscription as the plugin stores and exchanges it (SPEC §6.1), plus the
//! vocabulary its filters use: event names, inclusions and special field keys.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::events::names;
use crate::ids::{ChannelId, InstanceId};

/// One channel subscription. Lists are sets, so they serialize sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Subscription {
    #[serde(default)]
    pub id: String,
    /// Checked by `validate`, which says which field is wrong (decoding takes any text).
    #[serde(default)]
    pub channel_id: ChannelId,
    #[serde(default)]
    pub name: String,
    /// Checked against the stored instances when saved (decoding takes any text).
    #[serde(default)]
    pub instance_id: InstanceId,
    #[serde(default)]
    pub filters: Filters,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    pub events: BTreeSet<String>,
    /// Project keys; empty (only in imported data) means any project.
    #[serde(default)]
    pub projects: BTreeSet<String>,
    /// Issue-type ids.
    #[serde(default)]
    pub issue_types: BTreeSet<String>,
    #[serde(default)]
    pub fields: Vec<FieldFilter>,
}

/// A condition on one issue field: `key` is a field id (`priority`, `customfield_10010`)
/// or one of the special keys below; `values` are ids, labels, user ids or group names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FieldFilter {
    pub key: String,
    #[serde(default)]
    pub inclusion: String,
    #[serde(default)]
    pub values: BTreeSet<String>,
}

impl FieldFilter {
    /// Field keys compare case-insensitively, as the plugin did.
    pub fn is_key(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// Key of the security-level filter.
pub const SECURITY: &str = "security";
/// Key of the filter on a comment's visibility (group, `role:<name>`).
pub const COMMENT_VISIBILITY: &str = "commentVisibility";
/// The visibility value of a comment (or an issue event) that everyone can see.
pub const VISIBLE_TO_ALL: &str = "visible-to-all-users";
/// Filter word matching every update and comment event; never produced by a webhook.
pub const UPDATED_ANY: &str = "event_updated_any";

/// How a field filter compares the issue's values V with its own values F.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inclusion {
    IncludeAny,
    IncludeAll,
    ExcludeAny,
    Empty,
    IncludeOrEmpty,
}

impl Inclusion {
    /// The plugin's inclusion word, or `None` for anything else (including "").
    pub fn parse(word: &str) -> Option<Inclusion> {
        match word {
            "include_any" => Some(Inclusion::IncludeAny),
            "include_all" => Some(Inclusion::IncludeAll),
            "exclude_any" => Some(Inclusion::ExcludeAny),
            "empty" => Some(Inclusion::Empty),
            "include_or_empty" => Some(Inclusion::IncludeOrEmpty),
            _ => None,
        }
    }
}

/// Every fixed event name a subscription may list (SPEC §6.1).
pub const KNOWN_EVENTS: &[&str] = &[
    names::CREATED,
    names::CREATED_COMMENT,
    names::DELETED,
    names::DELETED_UNRESOLVED,
    names::DELETED_COMMENT,
    UPDATED_ANY,
    names::UPDATED_ASSIGNEE,
    names::UPDATED_ATTACHMENT,
    names::UPDATED_COMMENT,
    names::UPDATED_DESCRIPTION,
    names::UPDATED_LABELS,
    names::UPDATED_PRIORITY,
    names::UPDATED_RANK,
    names::UPDATED_REOPENED,
    names::UPDATED_RESOLVED,
    names::UPDATED_SPRINT,
    names::UPDATED_STATUS,
    names::UPDATED_SUMMARY,
    names::UPDATED_ISSUE_TYPE,
    names::UPDATED_FIX_VERSION,
    names::UPDATED_AFFECTS_VERSION,
    names::UPDATED_REPORTER,
    names::UPDATED_COMPONENTS,
];

/// A fixed event name, or `event_updated_<fieldId or field name>` for a custom field.
pub fn is_known_event(name: &str) -> bool {
    KNOWN_EVENTS.contains(&name) || name.strip_prefix(names::UPDATED_PREFIX).is_some_and(is_custom_field_event)
}

/// `customfield_` must carry its numeric id; a display name (Server without `fieldId`)
/// may be anything printable.
fn is_custom_field_event(suffix: &str) -> bool {
    match suffix.strip_prefix("customfield_") {
        Some(id) => !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()),
        None => !suffix.trim().is_empty() && !suffix.chars().any(char::is_control),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_custom_field_events_are_known() {
        for name in KNOWN_EVENTS {
            assert!(is_known_event(name), "{name}");
        }
        assert!(is_known_event("event_updated_customfield_10072"));
        assert!(is_known_event("event_updated_numfield"));
        assert!(is_known_event("event_updated_Story Points"));
    }

    #[test]
    fn other_names_are_unknown() {
        for name in
            ["", "event_foo", "event_updated_", "event_updated_ ", "event_updated_customfield_", "EVENT_CREATED"]
        {
            assert!(!is_known_event(name), "{name:?}");
        }
        assert!(!is_known_event("event_updated_customfield_12a"));
    }

    #[test]
    fn lists_deserialize_as_sorted_sets_and_missing_parts_default() {
        let json = r#"{"name":"Bugs","filters":{"events":["event_updated_status","event_created","event_created"],
            "fields":[{"key":"priority","values":["2","1"]}]}}"#;
        let sub: Subscription = serde_json::from_str(json).unwrap();
        assert_eq!(sub.filters.events.iter().collect::<Vec<_>>(), ["event_created", "event_updated_status"]);
        assert!(sub.id.is_empty() && sub.filters.projects.is_empty());
        assert_eq!(sub.filters.fields[0].inclusion, "");
        let back = serde_json::to_value(&sub).unwrap();
        assert_eq!(back["filters"]["fields"][0]["values"], serde_json::json!(["1", "2"]));
    }

    #[test]
    fn inclusions_parse_only_the_plugin_words() {
        assert_eq!(Inclusion::parse("include_or_empty"), Some(Inclusion::IncludeOrEmpty));
        assert_eq!(Inclusion::parse("Include_Any"), None);
        assert_eq!(Inclusion::parse(""), None);
    }
}
