//! What the chat editor knows about a project's fields (SPEC §6.7, §6.9): Jira's create
//! screens for the rule's issue types (names, allowed values, the security levels the
//! caller may set), then the catalogue for what those do not show (statuses, custom fields):
//! the names Jira lists with the admin credentials, over those learned from webhooks. A
//! kind Jira listed for the project is complete, so only its names are taken; a kind known
//! only from webhooks is what jirabridge saw, not all there is, and accepts other values
//! as typed (people on Cloud: only what could be an account id, see `people`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::super::{Acting, Connections};
use super::filter_lines::{standard_fields, FieldChoice};
use crate::store::CatalogEntry;
use crate::subscriptions::catalog::FIELD_KINDS;
use crate::subscriptions::people;

/// Create screens read per form at most (each is one call to Jira within Mattermost's 30 s).
const MOST_SCREENS: usize = 3;

/// The fields a rule's filters may name, and the security levels the caller may set.
pub(super) struct FieldSet {
    pub choices: Vec<FieldChoice>,
    /// `None` when no create screen could be read (nothing is known to check against).
    pub settable_security: Option<BTreeSet<String>>,
}

impl Connections {
    /// The fields of `project` for the `issue_types` chosen.
    pub(super) async fn field_set(&self, acting: &Acting, project: &str, issue_types: &BTreeSet<String>) -> FieldSet {
        let mut choices = standard_fields();
        let mut settable_security: Option<BTreeSet<String>> = None;
        for issue_type in issue_types.iter().take(MOST_SCREENS) {
            let Ok(screen) = self.create_screen(acting, project, issue_type).await else { continue };
            let security = settable_security.get_or_insert_with(BTreeSet::new);
            for field in screen {
                let allowed: Vec<(String, String)> = field.allowed_values.iter().filter_map(labelled).collect();
                if field.field_id == "security" {
                    security.extend(allowed.iter().map(|(id, _)| id.clone()));
                }
                match choices.iter_mut().find(|c| c.id.eq_ignore_ascii_case(&field.field_id)) {
                    Some(known) => {
                        known.name = field.name.clone();
                        merge(&mut known.allowed, allowed);
                    }
                    None => choices.push(FieldChoice {
                        id: field.field_id.clone(),
                        name: field.name.clone(),
                        allowed,
                        ..FieldChoice::default()
                    }),
                }
            }
        }
        // Jira's own lists (admin credentials, never in push-only mode) first: a kind Jira
        // listed is complete, so a name it does not know is refused instead of being kept
        // as text that never matches.
        let auth = crate::jira::auth::JiraAuth::admin(&self.settings.current());
        let wait = crate::subscriptions::catalog_listed::PAGE_WAITS_AT_MOST;
        let listed = self.listed_catalog.listed(&acting.instance, auth.as_ref(), wait).await;
        let instance = acting.instance.id.to_string();
        let seen = self.store.run(move |store| crate::subscriptions::catalog::learned(store, &instance)).await;
        match seen {
            Ok(learned) => {
                let entries = crate::subscriptions::catalog_listed::merged(learned, listed);
                add_seen(&mut choices, &entries, project);
            }
            Err(e) => tracing::info!(error = %e, "the catalogue could not be read for the subscription form"),
        }
        if acting.instance.id.instance_type() == crate::ids::InstanceType::Cloud {
            for choice in choices.iter_mut().filter(|c| people::is_people_field(&c.id)) {
                choice.account_ids = true;
            }
        }
        FieldSet { choices, settable_security }
    }
}

/// An allowed value as (id, label): options have `value`, the rest `name`.
fn labelled(value: &Value) -> Option<(String, String)> {
    let id = match &value["id"] {
        Value::String(id) => id.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let label = value["name"].as_str().or(value["value"].as_str()).unwrap_or(&id).to_string();
    Some((id, label))
}

fn merge(into: &mut Vec<(String, String)>, more: Vec<(String, String)>) {
    for pair in more {
        if !into.iter().any(|(id, _)| *id == pair.0) {
            into.push(pair);
        }
    }
}

/// The catalogue's names for fields no create screen described (or described without
/// values); custom fields seen in changelogs join the list.
fn add_seen(choices: &mut Vec<FieldChoice>, entries: &[CatalogEntry], project: &str) {
    let applies = |entry: &CatalogEntry| entry.project.as_deref().is_none_or(|p| p == project);
    let listed_kinds: BTreeSet<&str> =
        entries.iter().filter(|e| e.listed_by_jira && applies(e)).map(|e| e.kind.as_str()).collect();
    let from_screens: BTreeSet<String> =
        choices.iter().filter(|c| !c.allowed.is_empty() && !c.open).map(|c| c.id.clone()).collect();
    for entry in entries {
        if !applies(entry) {
            continue;
        }
        if entry.kind == "fields" {
            if !choices.iter().any(|c| c.id.eq_ignore_ascii_case(&entry.id)) {
                choices.push(FieldChoice::new(&entry.id, &entry.name));
            }
            continue;
        }
        let fields = FIELD_KINDS.iter().filter(|(_, kind)| *kind == entry.kind).map(|(field, _)| field);
        for id in fields {
            let Some(choice) = choices.iter_mut().find(|c| c.id == *id) else { continue };
            // A create screen's list is complete; the catalogue only fills a field it did
            // not list, and stays open to other values unless Jira listed the kind itself.
            if !from_screens.contains(&choice.id) {
                choice.open = !listed_kinds.contains(entry.kind.as_str());
                merge(&mut choice.allowed, vec![(entry.id.clone(), entry.name.clone())]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, id: &str, name: &str, project: Option<&str>) -> CatalogEntry {
        CatalogEntry {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            project: project.map(Into::into),
            last_seen_ms: 1,
            listed_by_jira: false,
        }
    }

    #[test]
    fn the_catalogue_fills_only_what_jira_did_not_list() {
        let mut choices = standard_fields();
        choices.iter_mut().find(|c| c.id == "priority").unwrap().allowed = vec![("2".into(), "High".into())];
        let entries = [
            entry("statuses", "3", "In Progress", None),
            entry("priorities", "9", "Odd", None),
            entry("versions", "50", "1.0", Some("DEMO")),
            entry("versions", "60", "9.0", Some("OTHER")),
            entry("fields", "customfield_7", "Team size", None),
        ];
        add_seen(&mut choices, &entries, "DEMO");
        let find = |id: &str| choices.iter().find(|c| c.id == id).unwrap().clone();
        assert_eq!(find("status").allowed, [("3".to_string(), "In Progress".to_string())]);
        assert!(find("status").open);
        assert_eq!(find("priority").allowed.len(), 1, "Jira's list stands");
        assert_eq!(find("fixVersions").allowed, [("50".to_string(), "1.0".to_string())]);
        assert_eq!(find("customfield_7").name, "Team size");
    }

    #[test]
    fn a_kind_jira_listed_for_the_project_takes_only_its_names() {
        let mut choices = standard_fields();
        let listed = |kind: &str, id: &str, name: &str, project: Option<&str>| CatalogEntry {
            listed_by_jira: true,
            ..entry(kind, id, name, project)
        };
        let entries = [
            listed("statuses", "3", "In Progress", None),
            listed("statuses", "4", "Done", None),
            entry("statuses", "9", "Retired", None),
            listed("versions", "60", "9.0", Some("OTHER")),
            entry("versions", "50", "1.0", Some("DEMO")),
        ];
        add_seen(&mut choices, &entries, "DEMO");
        let find = |id: &str| choices.iter().find(|c| c.id == id).unwrap().clone();
        let status = find("status");
        assert_eq!(status.allowed.len(), 3, "Jira's statuses and the one only seen: {:?}", status.allowed);
        assert!(!status.open, "Jira listed the statuses: a name it does not know is refused");
        assert!(find("fixVersions").open, "Jira listed no versions of DEMO: others are kept as typed");
    }

    #[test]
    fn allowed_values_read_options_and_named_values() {
        let values = serde_json::json!([{"id": "1", "name": "High"}, {"id": 10, "value": "Red"}, {"name": "no id"}]);
        let read: Vec<_> = values.as_array().unwrap().iter().filter_map(labelled).collect();
        assert_eq!(read, [("1".to_string(), "High".to_string()), ("10".to_string(), "Red".to_string())]);
    }
}
