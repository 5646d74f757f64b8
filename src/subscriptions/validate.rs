//! Validation of a subscription from the console or the admin API (SPEC §6.2).
//!
//! Every failure is reported with its JSON path so a form can mark each field; the
//! order is §6.2's, so chat (first failure wins) can take the first. Checks that need
//! IO — channel existence and type, name uniqueness, the caller's Jira access — belong
//! to the caller.

use std::collections::BTreeSet;

use serde::Serialize;

use super::model::{is_known_event, FieldFilter, Inclusion, Subscription, SECURITY};
use crate::ids::ChannelId;

pub const INVALID_SUBSCRIPTION: &str = "channel subscription invalid";
pub const NAME_MISSING: &str = "please provide a name for the subscription";
pub const NAME_TOO_LONG: &str = "please provide a name less than 100 characters";
pub const EVENTS_MISSING: &str = "please provide at least one event type";
pub const UNKNOWN_EVENT: &str = "unknown event name";
pub const ISSUE_TYPES_MISSING: &str = "please provide at least one issue type";
pub const PROJECT_MISSING: &str = "please provide a project identifier";
pub const INVALID_INCLUSION: &str = "invalid inclusion";
pub const VALUES_MISSING: &str = "please provide at least one value";
pub const SECURITY_EXCLUDE: &str = "security level does not allow for an \"Exclude\" clause";

/// Longest accepted name, in bytes.
const NAME_MAX_BYTES: usize = 100;
const ID_LEN: usize = 26;

/// One failed rule: where (`filters.events[2]`) and the plugin's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

/// Checks `sub` for creation (`id` must be empty) or update (`id` must be a stored id).
/// `security_level_empty` is the `security_level_empty_for_subscriptions` setting.
pub fn validate(sub: &Subscription, creating: bool, security_level_empty: bool) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::default();
    check_ids(sub, creating, &mut errors);
    check_name(&sub.name, &mut errors);
    check_events(&sub.filters.events, &mut errors);
    check_set("filters.issue_types", &sub.filters.issue_types, ISSUE_TYPES_MISSING, &mut errors);
    check_set("filters.projects", &sub.filters.projects, PROJECT_MISSING, &mut errors);
    for (i, filter) in sub.filters.fields.iter().enumerate() {
        check_field(&format!("filters.fields[{i}]"), filter, security_level_empty, &mut errors);
    }
    errors.finish()
}

#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { path: path.into(), message: message.into() });
    }

    fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

fn check_ids(sub: &Subscription, creating: bool, errors: &mut Errors) {
    if ChannelId::parse(sub.channel_id.as_str()).is_err() {
        errors.push("channel_id", INVALID_SUBSCRIPTION);
    }
    let id_ok = if creating { sub.id.is_empty() } else { is_id(&sub.id) };
    if !id_ok {
        errors.push("id", INVALID_SUBSCRIPTION);
    }
}

/// Our subscription ids: 26 lowercase letters or digits, like Mattermost's.
fn is_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn check_name(name: &str, errors: &mut Errors) {
    if name.trim().is_empty() {
        errors.push("name", NAME_MISSING);
    } else if name.len() > NAME_MAX_BYTES {
        errors.push("name", NAME_TOO_LONG);
    }
}

fn check_events(events: &BTreeSet<String>, errors: &mut Errors) {
    if events.is_empty() {
        errors.push("filters.events", EVENTS_MISSING);
    }
    for (i, event) in events.iter().enumerate().filter(|(_, e)| !is_known_event(e)) {
        errors.push(format!("filters.events[{i}]"), format!("{UNKNOWN_EVENT} {event:?}"));
    }
}

/// A required set: not empty, and no blank entry (which could never match).
fn check_set(path: &str, set: &BTreeSet<String>, message: &str, errors: &mut Errors) {
    if set.is_empty() {
        errors.push(path, message);
    }
    for (i, _) in set.iter().enumerate().filter(|(_, v)| v.trim().is_empty()) {
        errors.push(format!("{path}[{i}]"), message);
    }
}

fn check_field(path: &str, filter: &FieldFilter, security_level_empty: bool, errors: &mut Errors) {
    let inclusion = Inclusion::parse(&filter.inclusion);
    match inclusion {
        None => errors.push(format!("{path}.inclusion"), INVALID_INCLUSION),
        Some(Inclusion::Empty) => {}
        Some(_) if filter.values.is_empty() => errors.push(format!("{path}.values"), VALUES_MISSING),
        Some(_) => {}
    }
    if security_level_empty && filter.is_key(SECURITY) && inclusion == Some(Inclusion::ExcludeAny) {
        errors.push(format!("{path}.inclusion"), SECURITY_EXCLUDE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::InstanceId;
    use crate::subscriptions::model::Filters;

    const CHANNEL: &str = "4fgt3n51f7ftpff91gk1iy1ew9";
    const SUB_ID: &str = "kx9wqy3m7bn8ffe4ob1t5dq6ha";

    fn valid() -> Subscription {
        let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        Subscription {
            id: String::new(),
            channel_id: ChannelId::unchecked(CHANNEL),
            name: "Bugs".into(),
            instance_id: InstanceId::unchecked("https://jira.example.org"),
            filters: Filters {
                events: set(&["event_created", "event_updated_customfield_10072"]),
                projects: set(&["KT"]),
                issue_types: set(&["10004"]),
                fields: vec![FieldFilter {
                    key: "priority".into(),
                    inclusion: "include_any".into(),
                    values: set(&["2"]),
                }],
            },
        }
    }

    fn errors_of(sub: &Subscription, creating: bool) -> Vec<(String, String)> {
        validate(sub, creating, true).err().unwrap_or_default().into_iter().map(|e| (e.path, e.message)).collect()
    }

    fn one(path: &str, message: &str) -> Vec<(String, String)> {
        vec![(path.to_string(), message.to_string())]
    }

    #[test]
    fn a_complete_subscription_passes_for_create_and_update() {
        assert_eq!(validate(&valid(), true, true), Ok(()));
        let stored = Subscription { id: SUB_ID.into(), ..valid() };
        assert_eq!(validate(&stored, false, true), Ok(()));
    }

    #[test]
    fn ids_must_fit_create_or_update() {
        let with_id = Subscription { id: SUB_ID.into(), ..valid() };
        assert_eq!(errors_of(&with_id, true), one("id", INVALID_SUBSCRIPTION));
        assert_eq!(errors_of(&valid(), false), one("id", INVALID_SUBSCRIPTION));
        let upper = Subscription { id: SUB_ID.to_uppercase(), ..valid() };
        assert_eq!(errors_of(&upper, false), one("id", INVALID_SUBSCRIPTION));
        for channel in ["", "short", "4fgt3n51f7ftpff91gk1iy1ew9x", "4fgt3n51f7ftpff91gk1iy1eW9"] {
            let sub = Subscription { channel_id: ChannelId::unchecked(channel), ..valid() };
            assert_eq!(errors_of(&sub, true), one("channel_id", INVALID_SUBSCRIPTION), "{channel}");
        }
    }

    #[test]
    fn name_is_required_and_at_most_100_bytes() {
        for (name, expected) in [("", Some(NAME_MISSING)), ("  ", Some(NAME_MISSING)), ("é", None)] {
            let sub = Subscription { name: name.into(), ..valid() };
            assert_eq!(errors_of(&sub, true), expected.map(|m| one("name", m)).unwrap_or_default());
        }
        assert_eq!(errors_of(&Subscription { name: "n".repeat(100), ..valid() }, true), vec![]);
        assert_eq!(errors_of(&Subscription { name: "é".repeat(51), ..valid() }, true), one("name", NAME_TOO_LONG));
    }

    #[test]
    fn events_are_required_and_must_be_known() {
        let mut sub = valid();
        sub.filters.events.clear();
        assert_eq!(errors_of(&sub, true), one("filters.events", EVENTS_MISSING));
        sub.filters.events = ["event_created", "event_foo", "event_updated_any"].map(String::from).into();
        assert_eq!(errors_of(&sub, true), one("filters.events[1]", "unknown event name \"event_foo\""));
    }

    #[test]
    fn issue_types_and_projects_are_required() {
        let mut sub = valid();
        sub.filters.issue_types.clear();
        sub.filters.projects = [String::new()].into();
        let expected = vec![
            ("filters.issue_types".to_string(), ISSUE_TYPES_MISSING.to_string()),
            ("filters.projects[0]".to_string(), PROJECT_MISSING.to_string()),
        ];
        assert_eq!(errors_of(&sub, true), expected);
        sub.filters.projects.clear();
        assert_eq!(errors_of(&sub, true)[1], ("filters.projects".into(), PROJECT_MISSING.into()));
    }

    #[test]
    fn field_filters_need_a_known_inclusion_and_values() {
        let mut sub = valid();
        let filter = |inclusion: &str, values: &[&str]| FieldFilter {
            key: "labels".into(),
            inclusion: inclusion.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        };
        sub.filters.fields =
            vec![filter("include", &["a"]), filter("", &[]), filter("include_all", &[]), filter("empty", &[])];
        let expected = vec![
            ("filters.fields[0].inclusion".to_string(), INVALID_INCLUSION.to_string()),
            ("filters.fields[1].inclusion".to_string(), INVALID_INCLUSION.to_string()),
            ("filters.fields[2].values".to_string(), VALUES_MISSING.to_string()),
        ];
        assert_eq!(errors_of(&sub, true), expected);
    }

    #[test]
    fn security_exclude_is_refused_only_under_the_security_rule() {
        let mut sub = valid();
        let values = ["10000".to_string()].into();
        sub.filters.fields = vec![FieldFilter { key: "Security".into(), inclusion: "exclude_any".into(), values }];
        assert_eq!(errors_of(&sub, true), one("filters.fields[0].inclusion", SECURITY_EXCLUDE));
        assert_eq!(validate(&sub, true, false), Ok(()));
    }

    #[test]
    fn every_failure_is_reported_in_rule_order() {
        let sub = Subscription { id: SUB_ID.into(), ..Subscription::default() };
        let paths: Vec<String> = errors_of(&sub, true).into_iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["channel_id", "id", "name", "filters.events", "filters.issue_types", "filters.projects"]);
    }
}
