//! How create-screen fields become form elements, and submitted values Jira fields (SPEC
//! §10.1): text, numbers, dates, labels and epic links as text; options, priorities,
//! versions, components, security levels and cascading options as menus of their allowed
//! values; users as Mattermost's user menu; an Atlassian Team as a menu of the teams
//! `jira.team_ids` names. Pure: `create_more` does the asking.

use serde_json::{json, Value};

use crate::jira::rest::CreateField;
use crate::mattermost::action::ActionOption;
use crate::mattermost::dialog::{DialogElement, TextSubtype};

/// Fields offered besides the required ones when the user asks for more.
const OPTIONAL_OFFERED: [&str; 6] = ["priority", "labels", "assignee", "components", "fixVersions", "duedate"];
const EPIC_LINK: &str = "com.pyxis.greenhopper.jira:gh-epic-link";
const TEXTAREA: &str = "com.atlassian.jira.plugin.system.customfieldtypes:textarea";
const CASCADING: &str = "com.atlassian.jira.plugin.system.customfieldtypes:cascadingselect";
const TEAM: &str = "com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team";
/// The longest menu a form gets.
const MOST_OPTIONS: usize = 500;

/// How a field is asked for and sent to Jira.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Textarea,
    Number,
    Date,
    /// Comma-separated words (labels, other string arrays).
    Words,
    /// One allowed value, sent as `{"id"}`.
    Choice,
    /// One allowed value, sent as `[{"id"}]`.
    Choices,
    /// `parent` or `parent/child` of a cascading select.
    Cascading,
    User,
    /// One of the teams `jira.team_ids` names, sent as its id.
    Team,
}

/// The teams `jira.team_ids` names, as menu options (Jira's create screen lists no allowed
/// values for a Team field).
pub(super) fn configured_teams(config: &crate::config::Config) -> Vec<ActionOption> {
    let teams = config.teams().into_iter().map(|team| ActionOption { text: team.name, value: team.id });
    teams.take(MOST_OPTIONS).collect()
}

pub(super) fn kind_of(field: &CreateField) -> Option<Kind> {
    let schema = &field.schema;
    let choice =
        |k: &str| matches!(k, "option" | "priority" | "securitylevel" | "version" | "component" | "resolution");
    Some(match (schema.kind.as_str(), schema.items.as_str()) {
        _ if schema.custom == EPIC_LINK => Kind::Text,
        _ if schema.custom == CASCADING => Kind::Cascading,
        _ if schema.custom == TEAM || schema.kind == "team" => Kind::Team,
        ("string", _) if schema.custom == TEXTAREA || field.field_id == "environment" => Kind::Textarea,
        ("string", _) => Kind::Text,
        ("number", _) => Kind::Number,
        ("date", _) => Kind::Date,
        ("array", "string") => Kind::Words,
        ("array", items) if choice(items) && !field.allowed_values.is_empty() => Kind::Choices,
        (kind, _) if choice(kind) && !field.allowed_values.is_empty() => Kind::Choice,
        ("user", _) => Kind::User,
        _ => return None,
    })
}

/// What an allowed value is called (`name`, or `value` for options).
fn shown(value: &Value) -> String {
    value["name"].as_str().or(value["value"].as_str()).unwrap_or_default().to_string()
}

/// A label of at most 24 bytes, cut at a character boundary.
fn label(name: &str) -> String {
    let mut label = String::new();
    for c in name.chars() {
        if label.len() + c.len_utf8() > 24 {
            break;
        }
        label.push(c);
    }
    if label.is_empty() {
        "Field".into()
    } else {
        label
    }
}

/// The form element for `field`; `None` when its type cannot be asked for (a Team field
/// when no `teams` are configured).
pub(super) fn element(field: &CreateField, teams: &[ActionOption]) -> Option<DialogElement> {
    let (name, display) = (field.field_id.as_str(), label(&field.name));
    let options = || -> Vec<ActionOption> {
        field
            .allowed_values
            .iter()
            .filter_map(|v| Some(ActionOption { text: shown(v), value: v["id"].as_str()?.to_string() }))
            .take(MOST_OPTIONS)
            .collect()
    };
    let mut element = match kind_of(field)? {
        Kind::Text => DialogElement::text(name, &display),
        Kind::Textarea => DialogElement::textarea(name, &display),
        Kind::Number => DialogElement { subtype: Some(TextSubtype::Number), ..DialogElement::text(name, &display) },
        Kind::Date => DialogElement { placeholder: "YYYY-MM-DD".into(), ..DialogElement::text(name, &display) },
        Kind::Words => {
            DialogElement { help_text: "Separate them with commas.".into(), ..DialogElement::text(name, &display) }
        }
        Kind::Choice | Kind::Choices => DialogElement::select(name, &display, options()),
        Kind::Cascading => {
            let mut choices = Vec::new();
            for parent in &field.allowed_values {
                let Some(parent_id) = parent["id"].as_str() else { continue };
                choices.push(ActionOption { text: shown(parent), value: parent_id.to_string() });
                for child in parent["children"].as_array().into_iter().flatten() {
                    let Some(child_id) = child["id"].as_str() else { continue };
                    let text = format!("{} / {}", shown(parent), shown(child));
                    choices.push(ActionOption { text, value: format!("{parent_id}/{child_id}") });
                }
            }
            DialogElement::select(name, &display, choices.into_iter().take(MOST_OPTIONS).collect())
        }
        Kind::User => DialogElement::users(name, &display),
        Kind::Team if teams.is_empty() => return None,
        Kind::Team => DialogElement::select(name, &display, teams.to_vec()),
    };
    element.optional = !field.required;
    Some(element)
}

/// The fields the second form asks for: every required one the first form does not fill,
/// and with `more` the usual optional ones present on the screen. `Err` names the required
/// fields that cannot be asked for (a Team field among them when no `teams` are configured).
pub(super) fn second_form(
    screen: &[CreateField],
    filled: &[&str],
    more: bool,
    teams: &[ActionOption],
) -> Result<Vec<CreateField>, Vec<String>> {
    let required: Vec<&CreateField> =
        screen.iter().filter(|f| f.required && !filled.contains(&f.field_id.as_str())).collect();
    let askable = |f: &CreateField| match kind_of(f) {
        Some(Kind::Team) => !teams.is_empty(),
        kind => kind.is_some(),
    };
    let unsupported: Vec<String> = required.iter().filter(|f| !askable(f)).map(|f| f.name.clone()).collect();
    if !unsupported.is_empty() {
        return Err(unsupported);
    }
    let mut asked: Vec<CreateField> = required.into_iter().cloned().collect();
    if more {
        let optional = screen
            .iter()
            .filter(|f| !f.required && OPTIONAL_OFFERED.contains(&f.field_id.as_str()) && kind_of(f).is_some());
        asked.extend(optional.cloned());
    }
    Ok(asked)
}

/// A submitted value as Jira takes it; `Ok(None)` when left empty. Users are mapped by the
/// caller (they need a store read).
pub(super) fn jira_value(field: &CreateField, submitted: &Value) -> Result<Option<Value>, String> {
    let text = match submitted {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    };
    if text.is_empty() {
        return if field.required { Err(format!("{} is required.", field.name)) } else { Ok(None) };
    }
    let value = match kind_of(field) {
        Some(Kind::Text | Kind::Textarea | Kind::Team) => json!(text),
        Some(Kind::Number) => json!(text.parse::<f64>().map_err(|_| "Enter a number.".to_string())?),
        Some(Kind::Date) => {
            if crate::utc::parse_day(&text).is_none() {
                return Err("Enter a date as YYYY-MM-DD.".into());
            }
            json!(text)
        }
        Some(Kind::Words) => {
            json!(text.split(',').map(|w| w.trim().replace(' ', "_")).filter(|w| !w.is_empty()).collect::<Vec<_>>())
        }
        Some(Kind::Choice) => json!({ "id": text }),
        Some(Kind::Choices) => json!([{ "id": text }]),
        Some(Kind::Cascading) => match text.split_once('/') {
            Some((parent, child)) => json!({"id": parent, "child": {"id": child}}),
            None => json!({ "id": text }),
        },
        Some(Kind::User) | None => return Ok(None),
    };
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: &str, required: bool, schema: Value, allowed: Value) -> CreateField {
        serde_json::from_value(
            json!({"fieldId": id, "name": id, "required": required, "schema": schema, "allowedValues": allowed}),
        )
        .unwrap()
    }

    #[test]
    fn fields_become_elements_by_their_type() {
        let kinds = [
            (field("customfield_1", true, json!({"type": "string"}), json!([])), Some("text")),
            (
                field("customfield_2", true, json!({"type": "option"}), json!([{"id": "7", "value": "Blue"}])),
                Some("select"),
            ),
            (field("customfield_3", true, json!({"type": "array", "items": "string"}), json!([])), Some("text")),
            (field("customfield_4", true, json!({"type": "user"}), json!([])), Some("select")),
            (field("customfield_5", true, json!({"type": "any", "custom": "com.example:team"}), json!([])), None),
            (field("customfield_6", true, json!({"type": "option"}), json!([])), None),
        ];
        for (field, expected) in kinds {
            let made =
                element(&field, &[]).map(|e| serde_json::to_value(&e).unwrap()["type"].as_str().unwrap().to_string());
            assert_eq!(made.as_deref(), expected, "{}", field.field_id);
        }
        let cascading = field(
            "customfield_7",
            false,
            json!({"type": "option-with-child", "custom": CASCADING}),
            json!([{"id": "1", "value": "EU", "children": [{"id": "11", "value": "Paris"}]}]),
        );
        let menu = element(&cascading, &[]).unwrap();
        let texts: Vec<&str> = menu.options.iter().map(|o| o.text.as_str()).collect();
        assert_eq!(texts, ["EU", "EU / Paris"]);
        assert!(menu.optional);
    }

    #[test]
    fn values_are_sent_in_jira_shapes_and_checked() {
        let number = field("customfield_1", true, json!({"type": "number"}), json!([]));
        assert_eq!(jira_value(&number, &json!("4.5")).unwrap(), Some(json!(4.5)));
        assert_eq!(jira_value(&number, &json!("four")).unwrap_err(), "Enter a number.");
        assert_eq!(jira_value(&number, &Value::Null).unwrap_err(), "customfield_1 is required.");
        let labels = field("labels", false, json!({"type": "array", "items": "string"}), json!([]));
        assert_eq!(jira_value(&labels, &json!("ops, night shift")).unwrap(), Some(json!(["ops", "night_shift"])));
        let versions = field(
            "fixVersions",
            false,
            json!({"type": "array", "items": "version"}),
            json!([{"id": "3", "name": "1.0"}]),
        );
        assert_eq!(jira_value(&versions, &json!("3")).unwrap(), Some(json!([{"id": "3"}])));
        let due = field("duedate", false, json!({"type": "date"}), json!([]));
        assert!(jira_value(&due, &json!("tomorrow")).is_err());
        assert_eq!(jira_value(&due, &json!("2026-12-24")).unwrap(), Some(json!("2026-12-24")));
        assert_eq!(jira_value(&due, &json!("")).unwrap(), None);
    }

    #[test]
    fn an_unsupported_required_field_sends_people_to_jira() {
        let screen = vec![
            field("summary", true, json!({"type": "string"}), json!([])),
            field("customfield_9", true, json!({"type": "any"}), json!([])),
            field("priority", false, json!({"type": "priority"}), json!([{"id": "2", "name": "High"}])),
        ];
        assert_eq!(second_form(&screen, &["summary"], false, &[]).unwrap_err(), ["customfield_9"]);
        let fine = &screen[..1];
        assert!(second_form(fine, &["summary"], false, &[]).unwrap().is_empty());
        let with_priority = vec![screen[0].clone(), screen[2].clone()];
        assert_eq!(second_form(&with_priority, &["summary"], true, &[]).unwrap().len(), 1);
    }

    #[test]
    fn a_team_field_offers_the_configured_teams_or_sends_people_to_jira() {
        let team = field("customfield_10001", true, json!({"type": "team", "custom": TEAM}), json!([]));
        let screen = vec![team.clone()];
        assert_eq!(second_form(&screen, &[], false, &[]).unwrap_err(), ["customfield_10001"], "no teams configured");

        let mut config = crate::config::Config::default();
        config.jira.team_ids = "[Platform](a1b2-c3),[R&D (Paris)](d4e5)".into();
        let teams = configured_teams(&config);
        assert_eq!(second_form(&screen, &[], false, &teams).unwrap().len(), 1);
        let menu = element(&team, &teams).unwrap();
        let values: Vec<&str> = menu.options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["a1b2-c3", "d4e5"]);
        assert!(!menu.optional);
        assert_eq!(jira_value(&team, &json!("d4e5")).unwrap(), Some(json!("d4e5")), "Jira takes the team's id");
    }
}
