//! What matching needs from one webhook, read once: project, issue type, security level,
//! comment visibility and, per issue field, the value set V that field filters compare
//! against (SPEC §6.5).

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Number, Value};

use super::model::VISIBLE_TO_ALL;
use crate::jira::payload::{id_at, str_at, Payload};

const SPRINT_PREFIX: &str = "com.atlassian.greenhopper.service.sprint.Sprint";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueFacts {
    pub project_key: String,
    pub issue_type_id: String,
    pub has_security_level: bool,
    /// For a payload carrying a comment: `visible-to-all-users`, the group name, or
    /// `role:<name>`.
    pub comment_visibility: Option<String>,
    /// Lower-cased field key → V.
    pub(super) fields: HashMap<String, BTreeSet<String>>,
}

impl IssueFacts {
    /// Reads `issue.fields` and `comment`. `is_cloud` picks the user id: Cloud has only
    /// `accountId`, Server/DC users are known by `name`.
    pub fn from_payload(payload: &Payload, is_cloud: bool) -> IssueFacts {
        let empty = Map::new();
        let fields = payload.issue_fields().unwrap_or(&empty);
        let comment_visibility = payload.at(&["comment"]).filter(|c| c.is_object()).map(visibility_of);
        let mut facts = IssueFacts {
            project_key: str_at(&payload.0, &["issue", "fields", "project", "key"]).to_string(),
            issue_type_id: id_at(&payload.0, &["issue", "fields", "issuetype", "id"]),
            has_security_level: has_security_level(fields.get("security")),
            comment_visibility,
            fields: HashMap::new(),
        };
        for (key, value) in fields {
            let key = key.to_lowercase();
            let set = field_values(&key, value, is_cloud);
            facts.fields.insert(key, set);
        }
        let visibility = facts.comment_visibility.clone().unwrap_or_else(|| VISIBLE_TO_ALL.to_string());
        facts.fields.insert("commentvisibility".into(), BTreeSet::from([visibility]));
        facts
    }

    /// V for a filter key (case-insensitive); empty when the issue lacks the field.
    pub fn values(&self, key: &str) -> BTreeSet<String> {
        self.value_set(key).cloned().unwrap_or_default()
    }

    pub(crate) fn value_set(&self, key: &str) -> Option<&BTreeSet<String>> {
        self.fields.get(&key.to_lowercase())
    }

    /// A comment limited to a group or role.
    pub fn is_restricted_comment(&self) -> bool {
        self.comment_visibility.as_deref().is_some_and(|v| v != VISIBLE_TO_ALL)
    }
}

/// Whether a payload names too little of its issue to be routed alone: a Jira Cloud
/// `comment_*` event without the issue's security field (SPEC §4.5).
pub fn partial_cloud_comment(is_cloud: bool, webhook_event: &str, payload: &Payload) -> bool {
    is_cloud
        && webhook_event.starts_with("comment_")
        && payload.issue_fields().is_some_and(|fields| !fields.contains_key("security"))
}

/// The issue id a payload names (text or number), as facts are kept under it.
pub fn issue_id(payload: &Payload) -> String {
    id_at(&payload.0, &["issue", "id"])
}

fn has_security_level(security: Option<&Value>) -> bool {
    match security {
        Some(Value::Object(level)) => !level.is_empty(),
        Some(other) => !values_of(other).is_empty(),
        None => false,
    }
}

/// Who a comment is shown to: its group, `role:<name>`, or everyone. Any visibility Jira
/// sets restricts the comment, so one whose audience cannot be read (no `value` nor
/// `identifier`, or a type not known here) gets an audience no rule names, rather than
/// everyone's.
fn visibility_of(comment: &Value) -> String {
    let kind = str_at(comment, &["visibility", "type"]);
    if kind.is_empty() {
        return VISIBLE_TO_ALL.to_string();
    }
    let value = Some(str_at(comment, &["visibility", "value"]))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| str_at(comment, &["visibility", "identifier"]));
    match kind {
        "group" if !value.is_empty() => value.to_string(),
        "role" if !value.is_empty() => format!("role:{value}"),
        _ => format!("restricted:{kind}:{value}"),
    }
}

fn field_values(key: &str, value: &Value, is_cloud: bool) -> BTreeSet<String> {
    match key {
        "reporter" | "assignee" => user_id(value, is_cloud).into_iter().collect(),
        "teamfield" => team_values(value),
        _ => values_of(value),
    }
}

fn user_id(user: &Value, is_cloud: bool) -> Option<String> {
    let id = str_at(user, &[if is_cloud { "accountId" } else { "name" }]);
    (!id.is_empty()).then(|| id.to_string())
}

/// Id, name and title of a Team value (an object, or a list of them).
fn team_values(value: &Value) -> BTreeSet<String> {
    let members = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let texts = members.into_iter().flat_map(|team| ["id", "name", "title"].map(|k| id_at(team, &[k])));
    texts.filter(|t| !t.is_empty()).collect()
}

/// The generic rule for any other field: scalars as text, objects by id, arrays of either.
fn values_of(value: &Value) -> BTreeSet<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(values_of).collect(),
        Value::Object(_) if value.get("title").is_some() => team_values(value),
        Value::Object(_) => single(id_at(value, &["id"])),
        Value::String(text) => single(sprint_id(text).unwrap_or(text).to_string()),
        Value::Number(n) => single(number_text(n)),
        Value::Null | Value::Bool(_) => BTreeSet::new(),
    }
}

fn single(text: String) -> BTreeSet<String> {
    if text.is_empty() {
        BTreeSet::new()
    } else {
        BTreeSet::from([text])
    }
}

/// Server/DC render sprints as `…Sprint@1a2b[id=12,rapidViewId=3,…]`; filters hold the id.
fn sprint_id(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(SPRINT_PREFIX)?;
    let start = rest.find("[id=")? + "[id=".len();
    let id = rest[start..].split([',', ']']).next()?;
    (!id.is_empty()).then_some(id)
}

/// Jira sends number fields as `3.0`; filters hold `3`.
fn number_text(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(fields: Value, is_cloud: bool) -> IssueFacts {
        let payload = json!({"webhookEvent": "jira:issue_updated", "issue": {"key": "KT-7", "fields": fields}});
        IssueFacts::from_payload(&Payload(payload), is_cloud)
    }

    fn set(xs: &[&str]) -> BTreeSet<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn project_issue_type_and_security_come_from_issue_fields() {
        let f = facts(
            json!({"project": {"id": "10200", "key": "KT"}, "issuetype": {"id": 10004, "name": "Bug"},
            "security": {"id": "10000", "name": "Staff only"}}),
            true,
        );
        assert_eq!((f.project_key.as_str(), f.issue_type_id.as_str()), ("KT", "10004"));
        assert!(f.has_security_level);
        assert_eq!(f.values("SECURITY"), set(&["10000"]));
        assert!(!facts(json!({"security": null}), true).has_security_level);
    }

    #[test]
    fn users_are_known_by_account_id_on_cloud_and_name_on_server() {
        let user = json!({"accountId": "5b10a2844c20165700ede21g", "name": "rwalsh", "displayName": "Rosa Walsh"});
        let fields = json!({"reporter": user, "assignee": user});
        assert_eq!(facts(fields.clone(), true).values("assignee"), set(&["5b10a2844c20165700ede21g"]));
        assert_eq!(facts(fields, false).values("Reporter"), set(&["rwalsh"]));
        assert!(facts(json!({"assignee": null}), true).values("assignee").is_empty());
    }

    #[test]
    fn custom_fields_follow_the_generic_rule() {
        let f = facts(
            json!({
                "customfield_10100": "Blue team",
                "customfield_10101": 3.0,
                "customfield_10102": 2.5,
                "customfield_10103": {"value": "Hardware", "id": "10301", "child": {"value": "Disk", "id": "10305"}},
                "customfield_10104": [{"value": "iOS", "id": "10400"}, {"value": "Web", "id": 10402}],
                "customfield_10105": [concat!(
                    "com.atlassian.greenhopper.service.sprint.Sprint@5d1c",
                    "[id=12,rapidViewId=3,state=ACTIVE,name=Sprint 1]"
                )],
                "customfield_10106": [{"id": 31, "name": "KT Sprint 4", "state": "active", "boardId": 2}],
                "customfield_10107": null,
                "customfield_10108": ["a", 7],
            }),
            false,
        );
        assert_eq!(f.values("customfield_10100"), set(&["Blue team"]));
        assert_eq!(f.values("customfield_10101"), set(&["3"]));
        assert_eq!(f.values("customfield_10102"), set(&["2.5"]));
        assert_eq!(f.values("customfield_10103"), set(&["10301"]));
        assert_eq!(f.values("customfield_10104"), set(&["10400", "10402"]));
        assert_eq!(f.values("customfield_10105"), set(&["12"]));
        assert_eq!(f.values("customfield_10106"), set(&["31"]));
        assert!(f.values("customfield_10107").is_empty() && f.values("customfield_99999").is_empty());
        assert_eq!(f.values("customfield_10108"), set(&["7", "a"]));
    }

    #[test]
    fn team_values_include_id_name_and_title() {
        let team = json!({"id": "36885b3c-1bf0-4f85-a357-c5b858c31de4", "name": "Platform", "title": "Platform team"});
        let f = facts(json!({"teamField": team, "customfield_10001": team}), true);
        let expected = set(&["36885b3c-1bf0-4f85-a357-c5b858c31de4", "Platform", "Platform team"]);
        assert_eq!(f.values("teamField"), expected);
        assert_eq!(f.values("customfield_10001"), expected);
    }

    #[test]
    fn comment_visibility_is_group_role_or_everyone() {
        let with = |comment: Value| {
            let payload = json!({"issue": {"fields": {}}, "comment": comment});
            IssueFacts::from_payload(&Payload(payload), true)
        };
        let group = with(json!({"id": "1", "visibility": {"type": "group", "value": "jira-developers"}}));
        assert_eq!(group.comment_visibility.as_deref(), Some("jira-developers"));
        assert!(group.is_restricted_comment());
        let role = with(json!({"id": "1", "visibility": {"type": "role", "value": "Administrators"}}));
        assert_eq!(role.values("commentVisibility"), set(&["role:Administrators"]));
        let public = with(json!({"id": "1", "body": "hi"}));
        assert_eq!(public.comment_visibility.as_deref(), Some(VISIBLE_TO_ALL));
        // Restricted, to an audience this payload does not say: restricted all the same.
        let by_identifier = with(json!({"id": "1", "visibility": {"type": "group", "identifier": "276f9"}}));
        assert_eq!(by_identifier.comment_visibility.as_deref(), Some("276f9"));
        let unreadable = with(json!({"id": "1", "visibility": {"type": "group"}}));
        assert!(unreadable.is_restricted_comment(), "{:?}", unreadable.comment_visibility);
        let unknown_kind = with(json!({"id": "1", "visibility": {"type": "team", "value": "x"}}));
        assert!(unknown_kind.is_restricted_comment());
        let issue_only = facts(json!({}), true);
        assert_eq!(
            (issue_only.comment_visibility.as_deref(), issue_only.values("commentvisibility")),
            (None, set(&[VISIBLE_TO_ALL]))
        );
    }

    #[test]
    fn sprint_strings_that_do_not_parse_stay_as_they_are() {
        assert_eq!(sprint_id("com.atlassian.greenhopper.service.sprint.Sprint@1[rapidViewId=3]"), None);
        assert_eq!(sprint_id("Sprint 1"), None);
        assert_eq!(sprint_id("com.atlassian.greenhopper.service.sprint.Sprint@1[id=9]"), Some("9"));
    }
}
