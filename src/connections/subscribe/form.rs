//! The chat subscription editor's dialog (SPEC §6.7): its elements from the caller's
//! projects and the rule being edited, and a submission read back into a rule's parts.
//! Mattermost may send any JSON type for a value (or none), so each is read leniently.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::filter_lines::{self, FieldChoice};
use crate::jira::rest::Project;
use crate::mattermost::action::ActionOption;
use crate::mattermost::dialog::DialogElement;
use crate::subscriptions::model::Subscription;
use crate::subscriptions::words::EVENT_GROUPS;

/// The issue-type choice that means every type of the project, as it is when saved.
pub const ALL_TYPES: &str = "all";
/// The issue-type choice that keeps a rule's several types as they are.
pub const KEEP_TYPES: &str = "keep";
/// Most projects one menu lists; with more, the key is typed.
const MOST_PROJECT_CHOICES: usize = 200;

/// What the dialog is built from.
pub struct FormInput<'a> {
    pub editing: Option<&'a Subscription>,
    /// The caller's projects on the instance the form is for.
    pub projects: &'a [Project],
    /// The caller's connected instances, when more than one (the form then asks which).
    pub instances: &'a [String],
    pub instance: &'a str,
    /// Fields known for the rule's project, so its filters read with names.
    pub fields: &'a [FieldChoice],
}

/// The dialog's elements.
pub fn elements(input: &FormInput) -> Vec<DialogElement> {
    let editing = input.editing;
    let mut name = DialogElement::text("name", "Name");
    (name.max_length, name.default) = (Some(100), editing.map(|s| s.name.clone()).unwrap_or_default());
    let mut elements = vec![name];
    if input.instances.len() > 1 {
        let options = input.instances.iter().map(|i| ActionOption { text: i.clone(), value: i.clone() }).collect();
        let mut instance = DialogElement::select("instance", "Jira instance", options);
        instance.default = input.instance.to_string();
        elements.push(instance);
    }
    let project_key = editing.and_then(|s| s.filters.projects.first().cloned()).unwrap_or_default();
    elements.push(project_element(input, &project_key));
    elements.push(issue_types_element(input));
    elements.extend(event_elements(editing));
    elements.push(custom_events_element(input));
    let mut filters = DialogElement::textarea("filters", "Field filters");
    filters.optional = true;
    filters.max_length = Some(3000);
    filters.placeholder = "priority include_any High, Highest".into();
    filters.help_text = "One per line: field, inclusion, values by comma. Inclusions: include_any, \
        include_all, exclude_any, empty, include_or_empty."
        .into();
    filters.default_cut(&editing.map(|s| filter_lines::render(&s.filters.fields, input.fields)).unwrap_or_default());
    elements.push(filters);
    elements
}

/// A menu of the caller's projects, or a typed key when there are too many (or the form
/// may be for another instance than the one they were listed from).
fn project_element(input: &FormInput, key: &str) -> DialogElement {
    let listable = input.projects.len() <= MOST_PROJECT_CHOICES && input.instances.len() <= 1;
    let known = input.projects.iter().any(|p| p.key == key);
    if listable && !input.projects.is_empty() && (key.is_empty() || known) {
        let options = input
            .projects
            .iter()
            .map(|p| ActionOption { text: format!("{} ({})", p.name, p.key), value: p.key.clone() })
            .collect();
        let mut project = DialogElement::select("project", "Project", options);
        project.default = key.to_string();
        return project;
    }
    let mut project = DialogElement::text("project", "Project key");
    (project.default, project.placeholder) = (key.to_string(), "DEMO".into());
    project
}

/// "All issue types", the rule's own several types when it has them, then every type of the
/// caller's projects by name (the id when two types share a name).
fn issue_types_element(input: &FormInput) -> DialogElement {
    let mut options = vec![ActionOption { text: "All issue types".into(), value: ALL_TYPES.into() }];
    let chosen = input.editing.map(|s| s.filters.issue_types.clone()).unwrap_or_default();
    if chosen.len() > 1 {
        let text = format!("Keep the {} chosen issue types", chosen.len());
        options.push(ActionOption { text, value: KEEP_TYPES.into() });
    }
    let mut seen = BTreeSet::new();
    let types: Vec<(String, String)> = input
        .projects
        .iter()
        .flat_map(|p| p.issue_types.iter())
        .filter(|t| seen.insert(t.id.clone()))
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    for (id, name) in &types {
        let shared = types.iter().filter(|(_, other)| other == name).count() > 1;
        let text = if shared { format!("{name} ({id})") } else { name.clone() };
        options.push(ActionOption { text, value: id.clone() });
    }
    let default = match chosen.len() {
        0 => ALL_TYPES.to_string(),
        1 => chosen.first().cloned().filter(|id| seen.contains(id)).unwrap_or_else(|| ALL_TYPES.into()),
        _ => KEEP_TYPES.to_string(),
    };
    let mut element = DialogElement::select("issue_types", "Issue types", options);
    element.default = default;
    element
}

/// One checkbox per event, labelled by its group and described in words.
fn event_elements(editing: Option<&Subscription>) -> Vec<DialogElement> {
    let mut elements = Vec::new();
    for (group, events) in EVENT_GROUPS {
        for (code, words) in *events {
            let mut event = DialogElement::checkbox(code, group);
            event.placeholder = words.to_string();
            event.optional = true;
            let on = editing.is_some_and(|s| s.filters.events.contains(*code));
            event.default = on.to_string();
            elements.push(event);
        }
    }
    elements
}

/// A rule's events the form has no checkbox for: updates of custom fields.
pub fn custom_events_of(rule: &Subscription) -> Vec<String> {
    let shown = |code: &str| EVENT_GROUPS.iter().any(|(_, events)| events.iter().any(|(c, _)| *c == code));
    rule.filters.events.iter().filter(|e| !shown(e)).cloned().collect()
}

/// The custom fields whose updates the rule posts (SPEC §5: `event_updated_<fieldId>`), by
/// name where the field is known. Several lines: a text element's default holds only 150
/// bytes, fewer than a rule's fields may take, and what does not show is lost on saving.
fn custom_events_element(input: &FormInput) -> DialogElement {
    let mut element = DialogElement::textarea("custom_events", "Custom field updates");
    (element.optional, element.max_length) = (true, Some(3000));
    element.placeholder = "Story Points, customfield_10020".into();
    element.help_text =
        "Also post when one of these custom fields changes: names or ids, by comma or one per line.".into();
    let codes = input.editing.map(custom_events_of).unwrap_or_default();
    let labels: Vec<String> = codes.iter().map(|code| field_label(code, input.fields)).collect();
    element.default_cut(&labels.join(", "));
    element
}

/// The field an update event names, as its name when that reads back to it alone.
fn field_label(code: &str, fields: &[FieldChoice]) -> String {
    let field = code.strip_prefix(UPDATED).unwrap_or(code);
    let known = fields.iter().find(|f| f.id.eq_ignore_ascii_case(field));
    let unique = known.filter(|f| !f.name.contains(',') && fields.iter().filter(|o| o.is(&f.name)).count() == 1);
    unique.map_or_else(|| field.to_string(), |f| f.name.clone())
}

/// The update events of the custom fields `typed` names, each by the name or id Jira or its
/// webhooks gave it, or as a field of `had` (the rule's events before). Some Server
/// payloads name a custom field by its display name only (SPEC §5: `event_updated_<name>`
/// in lower case), so on a `server` any other name is taken as such a field.
pub fn custom_events(
    typed: &str,
    fields: &[FieldChoice],
    had: &[String],
    server: bool,
) -> Result<BTreeSet<String>, String> {
    let mut events = BTreeSet::new();
    for value in typed.split([',', '\n']).map(str::trim).filter(|v| !v.is_empty()) {
        let custom = fields.iter().find(|f| f.id.starts_with(CUSTOM) && f.is(value));
        let names = |event: &String, value: &str| {
            event.eq_ignore_ascii_case(value)
                || event.strip_prefix(UPDATED).is_some_and(|f| f.eq_ignore_ascii_case(value))
        };
        let kept = || had.iter().find(|e| names(e, value));
        let event = match (custom, kept()) {
            (Some(field), _) => format!("{UPDATED}{}", field.id),
            (None, Some(event)) => event.clone(),
            _ if server || is_custom_field_id(value) => format!("{UPDATED}{}", value.to_lowercase()),
            _ => {
                return Err(format!(
                    "{value:?} is not a custom field of this project: give its name as Jira shows it, or its id ({CUSTOM}10020)"
                ))
            }
        };
        events.insert(event);
    }
    Ok(events)
}

const UPDATED: &str = "event_updated_";
const CUSTOM: &str = "customfield_";

fn is_custom_field_id(value: &str) -> bool {
    let lower = value.to_lowercase();
    lower.strip_prefix(CUSTOM).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The events ticked in a submission.
pub fn ticked_events(values: &Map<String, Value>) -> BTreeSet<String> {
    let ticked = |value: &Value| match value {
        Value::Bool(on) => *on,
        Value::String(text) => text == "true",
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    };
    EVENT_GROUPS
        .iter()
        .flat_map(|(_, events)| events.iter())
        .filter(|(code, _)| values.get(*code).is_some_and(ticked))
        .map(|(code, _)| code.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jira::rest::IssueType;
    use crate::mattermost::dialog::Dialog;

    fn projects() -> Vec<Project> {
        let kind = |id: &str, name: &str| IssueType { id: id.into(), name: name.into(), subtask: false };
        vec![
            Project {
                id: "10000".into(),
                key: "DEMO".into(),
                name: "Demo".into(),
                issue_types: vec![kind("1", "Bug"), kind("2", "Task")],
            },
            Project {
                id: "10001".into(),
                key: "OPS".into(),
                name: "Ops".into(),
                issue_types: vec![kind("1", "Bug"), kind("7", "Task")],
            },
        ]
    }

    #[test]
    fn a_new_rule_gets_a_valid_dialog_with_every_event_unticked() {
        let projects = projects();
        let input = FormInput { editing: None, projects: &projects, instances: &[], instance: "x", fields: &[] };
        let elements = elements(&input);
        let names: Vec<&str> = elements.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names[..3], ["name", "project", "issue_types"]);
        assert_eq!(names.len(), 3 + crate::subscriptions::model::KNOWN_EVENTS.len() + 2);
        let types: Vec<&str> = elements[2].options.iter().map(|o| o.text.as_str()).collect();
        assert_eq!(types, ["All issue types", "Bug", "Task (2)", "Task (7)"]);
        assert!(elements.iter().filter(|e| e.name.starts_with("event_")).all(|e| e.default == "false"));
        assert!(Dialog::new("Add Jira subscription", elements).is_ok(), "within Mattermost's limits");
    }

    #[test]
    fn an_edited_rule_starts_from_its_values() {
        let projects = projects();
        let mut rule = Subscription { name: "Bugs".into(), ..Subscription::default() };
        rule.filters.projects.insert("OPS".into());
        rule.filters.issue_types.extend(["1".to_string(), "7".to_string()]);
        rule.filters.events.insert("event_updated_status".into());
        // Twenty custom fields named past a text element's 150 bytes: the form still opens,
        // showing them all, so saving it keeps them.
        rule.filters.events.extend((10_000..10_020).map(|n| format!("event_updated_customfield_{n}")));
        let instances = ["https://a".to_string(), "https://b".to_string()];
        let input = FormInput {
            editing: Some(&rule),
            projects: &projects,
            instances: &instances,
            instance: "https://b",
            fields: &[],
        };
        let elements = elements(&input);
        assert_eq!((elements[0].default.as_str(), elements[1].default.as_str()), ("Bugs", "https://b"));
        assert_eq!(elements[2].name, "project");
        assert_eq!(elements[2].default, "OPS", "a typed key: the form may be for either instance");
        assert_eq!(elements[3].default, KEEP_TYPES);
        let status = elements.iter().find(|e| e.name == "event_updated_status").unwrap();
        assert_eq!((status.default.as_str(), status.placeholder.as_str()), ("true", "Status changed"));
        let custom = elements.iter().find(|e| e.name == "custom_events").unwrap();
        assert_eq!(custom.default.matches("customfield_").count(), 20, "{}", custom.default);
        let kept = custom_events(&custom.default, &[], &[], false).unwrap();
        assert_eq!(kept.len(), 20);
        assert!(Dialog::new("Edit Jira subscription", elements).is_ok());
    }

    #[test]
    fn custom_field_updates_are_named_as_jira_names_the_fields() {
        let fields = vec![
            FieldChoice::new("customfield_10020", "Story Points"),
            FieldChoice::new("customfield_10021", "Team"),
            FieldChoice::new("priority", "Priority"),
        ];
        let had = ["event_updated_numfield".to_string(), "event_odd".to_string()];
        let events = custom_events("story points, CUSTOMFIELD_7, numfield ,event_odd", &fields, &had, false).unwrap();
        let expected =
            ["event_odd", "event_updated_customfield_10020", "event_updated_customfield_7", "event_updated_numfield"];
        assert_eq!(events.into_iter().collect::<Vec<_>>(), expected);
        let refused = custom_events("Priority", &fields, &had, false).unwrap_err();
        assert!(refused.starts_with("\"Priority\" is not a custom field of this project"), "{refused}");
        assert!(custom_events("customfield_", &fields, &[], false).is_err());
        let on_server = custom_events("CostCenter", &fields, &[], true).unwrap();
        assert_eq!(on_server.into_iter().collect::<Vec<_>>(), ["event_updated_costcenter"], "named by its name only");

        let projects = projects();
        let mut rule = Subscription::default();
        rule.filters.events.extend(expected.map(String::from));
        rule.filters.events.insert("event_created".into());
        let input =
            FormInput { editing: Some(&rule), projects: &projects, instances: &[], instance: "x", fields: &fields };
        let elements = elements(&input);
        let element = elements.iter().find(|e| e.name == "custom_events").unwrap();
        assert_eq!(element.default, "event_odd, Story Points, customfield_7, numfield");
        let read_back = custom_events(&element.default, &fields, &custom_events_of(&rule), false).unwrap();
        assert_eq!(read_back.into_iter().collect::<Vec<_>>(), expected, "the form reads back to the same events");
    }

    #[test]
    fn ticked_events_accept_what_mattermost_may_send() {
        let values = serde_json::json!({"event_created": true, "event_deleted": "true", "event_updated_rank": 1,
            "event_updated_status": false, "event_updated_labels": null, "other": true});
        let ticked: Vec<String> = ticked_events(values.as_object().unwrap()).into_iter().collect();
        assert_eq!(ticked, ["event_created", "event_deleted", "event_updated_rank"]);
    }
}
