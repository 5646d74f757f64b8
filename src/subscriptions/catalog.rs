//! The catalogue of SPEC §6.9: the names of an instance's projects, issue types, priorities,
//! statuses, components, versions, labels, custom fields, security levels and people
//! (`people`, for the editors only), learned from the payloads Jira sent, so it works in
//! push-only mode and without credentials; with credentials, what Jira lists is added
//! (`listed`).
//!
//! Learning reads the stored events after `meta.catalog_learned_through` when the catalogue
//! is asked for, a bounded number at a time: nothing is spent on it at intake, nor while
//! nobody looks.

use serde_json::{json, Value};

use super::people;
use crate::ids::InstanceId;
use crate::store::{CatalogEntry, Store, StoreError};

/// Events learned from per request, at most (the rest on the next one).
const LEARN_AT_MOST: usize = 5000;

/// The kinds, in the order the API lists them.
pub const KINDS: [&str; 9] = [
    "projects",
    "issue_types",
    "priorities",
    "statuses",
    "components",
    "versions",
    "labels",
    "fields",
    "security_levels",
];

/// The filter fields whose values the catalogue names, with the kind it keeps them under.
pub const FIELD_KINDS: [(&str, &str); 8] = [
    ("priority", "priorities"),
    ("status", "statuses"),
    ("security", "security_levels"),
    ("components", "components"),
    ("fixVersions", "versions"),
    ("versions", "versions"),
    ("reporter", people::KIND),
    ("assignee", people::KIND),
];

/// The catalogue kind of a filter's field (keys compare case-insensitively), when its
/// values are ids with names.
pub fn kind_of_field(key: &str) -> Option<&'static str> {
    FIELD_KINDS.iter().find(|(field, _)| field.eq_ignore_ascii_case(key)).map(|(_, kind)| *kind)
}

/// What one payload shows, seen at `seen_ms`.
pub fn learned_from(payload: &Value, seen_ms: u64) -> Vec<CatalogEntry> {
    let fields = &payload["issue"]["fields"];
    let text = |v: &Value| v.as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let project_key = text(&fields["project"]["key"]);
    let mut out = Vec::new();
    let mut add = |kind: &str, id: Option<String>, name: Option<String>, project: Option<String>| {
        if let (Some(id), Some(name)) = (id, name) {
            out.push(CatalogEntry {
                kind: kind.into(),
                id,
                name,
                project,
                last_seen_ms: seen_ms,
                listed_by_jira: false,
            });
        }
    };
    add("projects", project_key.clone(), text(&fields["project"]["name"]), None);
    for (kind, field) in [
        ("issue_types", "issuetype"),
        ("priorities", "priority"),
        ("statuses", "status"),
        ("security_levels", "security"),
    ] {
        add(kind, text(&fields[field]["id"]), text(&fields[field]["name"]), None);
    }
    for (kind, field) in [("components", "components"), ("versions", "fixVersions"), ("versions", "versions")] {
        for item in fields[field].as_array().into_iter().flatten() {
            add(kind, text(&item["id"]), text(&item["name"]), project_key.clone());
        }
    }
    for label in fields["labels"].as_array().into_iter().flatten() {
        add("labels", text(label), text(label), None);
    }
    for item in payload["changelog"]["items"].as_array().into_iter().flatten() {
        let id = text(&item["fieldId"]).filter(|id| id.starts_with("customfield_"));
        add("fields", id, text(&item["field"]), None);
    }
    for (id, name) in people::seen_in(payload) {
        add(people::KIND, Some(id), Some(name), None);
    }
    out
}

/// One learner at a time: two would read the same events and race on the mark.
static LEARNING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What `instance_id`'s payloads taught, after learning from the events stored since the
/// last time (call it in `Store::run`).
pub fn learned(store: &Store, instance_id: &str) -> Result<Vec<CatalogEntry>, StoreError> {
    learn_recent(store)?;
    store.catalog(instance_id)
}

/// Learns from the events stored since the last time, at most [`LEARN_AT_MOST`].
fn learn_recent(store: &Store) -> Result<usize, StoreError> {
    let _one = match LEARNING.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return Ok(0),
    };
    let mut learned = 0;
    while learned < LEARN_AT_MOST {
        let events = store.events_after(store.catalog_learned_through()?, 500)?;
        let Some(last) = events.last().map(|(id, _)| *id) else { break };
        for (event_id, event) in &events {
            // An event no instance owns teaches nothing (whose names would they be?).
            let instance = event.instance_id.as_ref().map(InstanceId::to_string);
            let payload = instance.as_ref().and_then(|_| serde_json::from_slice::<Value>(&event.raw_body).ok());
            let entries = payload.map(|p| learned_from(&p, event.received_at_ms)).unwrap_or_default();
            if *event_id == last || !entries.is_empty() {
                store.learn_catalog(instance.as_deref().unwrap_or(""), &entries, *event_id)?;
            }
        }
        learned += events.len();
    }
    Ok(learned)
}

/// `GET /api/v1/catalog/{ref}`'s body (SPEC §3.5): each kind a list sorted by name.
pub fn as_json(entries: &[CatalogEntry]) -> Value {
    let mut body = serde_json::Map::new();
    for kind in KINDS {
        let mut items: Vec<&CatalogEntry> = entries.iter().filter(|e| e.kind == kind).collect();
        items.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
        let list: Vec<Value> = items
            .iter()
            .map(|e| {
                let source = if e.listed_by_jira { "jira" } else { "seen" };
                let mut item = json!({"id": e.id, "name": e.name, "source": source, "last_seen": e.last_seen_ms});
                if let Some(project) = &e.project {
                    item["project"] = json!(project);
                }
                item
            })
            .collect();
        body.insert(kind.into(), Value::Array(list));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_gives_the_names_of_what_it_shows() {
        let payload = json!({
            "issue": {"fields": {
                "project": {"key": "OPS", "name": "Operations"},
                "issuetype": {"id": "10001", "name": "Bug"}, "priority": {"id": "2", "name": "High"},
                "status": {"id": "3", "name": "In Progress"}, "security": {"id": "10100", "name": "Staff only"},
                "components": [{"id": "50", "name": "API"}], "fixVersions": [{"id": "60", "name": "2.0"}],
                "labels": ["urgent", " "], "assignee": {"accountId": "557058:ada", "displayName": "Ada Lovelace"}}},
            "changelog": {"items": [{"fieldId": "customfield_10020", "field": "Sprint"}, {"fieldId": "status", "field": "status"}]}
        });
        let found: Vec<(String, String, String, Option<String>)> =
            learned_from(&payload, 7).into_iter().map(|e| (e.kind, e.id, e.name, e.project)).collect();
        let expected = [
            ("projects", "OPS", "Operations", None),
            ("issue_types", "10001", "Bug", None),
            ("priorities", "2", "High", None),
            ("statuses", "3", "In Progress", None),
            ("security_levels", "10100", "Staff only", None),
            ("components", "50", "API", Some("OPS")),
            ("versions", "60", "2.0", Some("OPS")),
            ("labels", "urgent", "urgent", None),
            ("fields", "customfield_10020", "Sprint", None),
            ("people", "557058:ada", "Ada Lovelace", None),
        ];
        let expected: Vec<(String, String, String, Option<String>)> = expected
            .iter()
            .map(|(k, i, n, p)| (k.to_string(), i.to_string(), n.to_string(), p.map(str::to_string)))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn the_api_lists_every_kind_sorted_by_name() {
        let entry = |kind: &str, id: &str, name: &str| CatalogEntry {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            project: None,
            last_seen_ms: 1,
            listed_by_jira: false,
        };
        let body = as_json(&[entry("priorities", "3", "medium"), entry("priorities", "1", "Highest")]);
        assert_eq!(body["priorities"][0]["name"], "Highest");
        assert_eq!(body["priorities"][1], json!({"id": "3", "name": "medium", "source": "seen", "last_seen": 1}));
        assert_eq!(body.as_object().unwrap().len(), 9);
        assert_eq!(body["labels"], json!([]));
    }
}
