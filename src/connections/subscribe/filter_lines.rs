//! The chat editor's field filters as text (SPEC §6.7): one filter per line,
//! `<field> <inclusion> <value>, <value>`, the field by id or name and each value by id or
//! label, resolved against what Jira (createmeta) and the catalogue say about the fields.
//! Errors name the line. Pure: the caller gathers the fields.

use crate::subscriptions::model::{FieldFilter, Inclusion};
use crate::subscriptions::people;
use crate::subscriptions::words::INCLUSIONS;

/// A field a filter may name: its id (the stored key), its name, and the values it allows
/// as (id, label); none when any value goes (labels, people, text).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldChoice {
    pub id: String,
    pub name: String,
    pub allowed: Vec<(String, String)>,
    /// `allowed` is what jirabridge has seen (the catalogue), not all there is: other
    /// values are kept as typed.
    pub open: bool,
    /// People on Cloud: a value not in `allowed` is kept only if it could be an account id
    /// (rules compare account ids, so a display name nobody has seen would never match).
    pub account_ids: bool,
    /// Rules compare this field by Jira's numeric ids (statuses, priorities, versions,
    /// components, security levels): a value not in `allowed` is kept only if it is one,
    /// as a name nobody has seen yet would never match.
    pub numeric_ids: bool,
}

impl FieldChoice {
    pub fn new(id: &str, name: &str) -> FieldChoice {
        FieldChoice { id: id.into(), name: name.into(), ..FieldChoice::default() }
    }

    pub(super) fn is(&self, typed: &str) -> bool {
        self.id.eq_ignore_ascii_case(typed) || self.name.eq_ignore_ascii_case(typed)
    }

    /// The stored value for what was typed: an allowed id, or the id of a label.
    fn value_of(&self, typed: &str) -> Option<String> {
        let by_id = self.allowed.iter().find(|(id, _)| id == typed);
        let by_label = || self.allowed.iter().find(|(_, label)| label.eq_ignore_ascii_case(typed));
        match by_id.or_else(by_label) {
            Some((id, _)) => Some(id.clone()),
            None if self.account_ids && !people::may_be_account_id(typed) => None,
            None if self.numeric_ids && !typed.bytes().all(|b| b.is_ascii_digit()) => None,
            None if self.allowed.is_empty() || self.open => Some(typed.to_string()),
            None => None,
        }
    }

    /// How a stored value reads: its label when it has one that reads back to it.
    fn label_of(&self, value: &str) -> String {
        let label = self.allowed.iter().find(|(id, _)| id == value).map(|(_, label)| label.as_str());
        match label {
            Some(label) if !label.contains(',') && self.value_of(label).as_deref() == Some(value) => label.into(),
            _ => value.into(),
        }
    }
}

/// The fields every Jira has, and the special keys of SPEC §6.5, with their names.
pub fn standard_fields() -> Vec<FieldChoice> {
    [
        ("status", "Status"),
        ("labels", "Labels"),
        ("priority", "Priority"),
        ("reporter", "Reporter"),
        ("assignee", "Assignee"),
        ("fixVersions", "Fix versions"),
        ("versions", "Affects versions"),
        ("components", "Components"),
        ("security", "Security level"),
        ("teamField", "Team"),
        ("commentVisibility", "Comment visibility"),
    ]
    .into_iter()
    .map(|(id, name)| {
        let numeric_ids = matches!(id, "status" | "priority" | "fixVersions" | "versions" | "components" | "security");
        FieldChoice { numeric_ids, ..FieldChoice::new(id, name) }
    })
    .collect()
}

/// A line that could not be read: its 1-based number and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The filters `text` describes with, for each, its line; blank lines are skipped.
pub fn parse(text: &str, fields: &[FieldChoice]) -> Result<Vec<(usize, FieldFilter)>, LineError> {
    let mut filters = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String| LineError { line: number, message };
        let (field_text, inclusion, values_text) = split(line).ok_or_else(|| fail(shape_hint()))?;
        let field =
            fields.iter().find(|f| f.is(field_text)).ok_or_else(|| fail(format!("unknown field {field_text:?}")))?;
        let mut values = std::collections::BTreeSet::new();
        for typed in values_text.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            let value = field.value_of(typed).ok_or_else(|| fail(not_a_value(field, typed)))?;
            values.insert(value);
        }
        if inclusion != "empty" && values.is_empty() {
            return Err(fail(crate::subscriptions::validate::VALUES_MISSING.into()));
        }
        if inclusion == "empty" {
            values.clear();
        }
        filters.push((number, FieldFilter { key: field.id.clone(), inclusion: inclusion.into(), values }));
    }
    Ok(filters)
}

/// Why a typed value is refused; security levels are those the caller may set (§6.2 point
/// 9), so the plugin's sentence says so.
fn not_a_value(field: &FieldChoice, typed: &str) -> String {
    if field.id == crate::subscriptions::model::SECURITY {
        "invalid access to security level".into()
    } else if field.account_ids {
        people::unknown_person(typed)
    } else {
        format!("{typed:?} is not a value of {}", field.name)
    }
}

/// `(field, inclusion, values)` of a line: the field is every word before the first
/// inclusion word, the values all that follows it.
fn split(line: &str) -> Option<(&str, &str, &str)> {
    let mut rest = line.trim_start();
    let start = line.len() - rest.len();
    let mut offset = start;
    while !rest.is_empty() {
        let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_len];
        if offset > start && Inclusion::parse(word).is_some() {
            let field = line[start..offset].trim();
            return Some((field, word, line[offset + word_len..].trim()));
        }
        let after = rest[word_len..].trim_start();
        offset += rest.len() - after.len();
        rest = after;
    }
    None
}

fn shape_hint() -> String {
    let words: Vec<&str> = INCLUSIONS.iter().map(|(word, _)| *word).collect();
    format!("write <field> <inclusion> <value>, <value>; the inclusion is one of {}", words.join(", "))
}

/// The filters as lines `parse` reads back: fields by name, values by label where those
/// are unambiguous, else by id.
pub fn render(filters: &[FieldFilter], fields: &[FieldChoice]) -> String {
    let lines: Vec<String> = filters
        .iter()
        .map(|filter| {
            let field = fields.iter().find(|f| f.id.eq_ignore_ascii_case(&filter.key));
            let unique_name = field.filter(|f| fields.iter().filter(|o| o.is(&f.name)).count() == 1);
            let name = unique_name.map_or(filter.key.as_str(), |f| f.name.as_str());
            let values: Vec<String> =
                filter.values.iter().map(|v| field.map_or_else(|| v.clone(), |f| f.label_of(v))).collect();
            format!("{name} {} {}", filter.inclusion, values.join(", ")).trim_end().to_string()
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<FieldChoice> {
        let mut all = standard_fields();
        let priority = all.iter_mut().find(|f| f.id == "priority").unwrap();
        priority.allowed = vec![("1".into(), "Highest".into()), ("2".into(), "High".into())];
        all.push(FieldChoice {
            id: "customfield_10010".into(),
            name: "Story Points Team".into(),
            allowed: vec![("100".into(), "Red, Blue".into()), ("101".into(), "Green".into())],
            ..FieldChoice::default()
        });
        all
    }

    fn filter(key: &str, inclusion: &str, values: &[&str]) -> FieldFilter {
        FieldFilter {
            key: key.into(),
            inclusion: inclusion.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn lines_name_fields_and_values_by_id_or_label() {
        let text = "Priority include_any high, 1\n\n  labels exclude_any ops, triage  \nstory points team include_all Green\nsecurity empty";
        let parsed = parse(text, &fields()).unwrap();
        let expected = vec![
            (1, filter("priority", "include_any", &["1", "2"])),
            (3, filter("labels", "exclude_any", &["ops", "triage"])),
            (4, filter("customfield_10010", "include_all", &["101"])),
            (5, filter("security", "empty", &[])),
        ];
        assert_eq!(parsed, expected);
    }

    #[test]
    fn each_error_names_its_line() {
        let cases = [
            ("priority include_any Low", 1, "\"Low\" is not a value of Priority"),
            ("labels include_any a\nsprint include_any 5", 2, "unknown field \"sprint\""),
            ("labels contains a", 1, "write <field> <inclusion>"),
            ("include_any a", 1, "write <field> <inclusion>"),
            ("labels\ninclude_all , ,", 1, "write <field>"),
            ("labels include_all , ,", 1, crate::subscriptions::validate::VALUES_MISSING),
        ];
        for (text, line, start) in cases {
            let error = parse(text, &fields()).unwrap_err();
            assert_eq!(error.line, line, "{text}");
            assert!(error.message.starts_with(start), "{text}: {}", error.message);
        }
        assert_eq!(parse("x empty", &fields()).unwrap_err().to_string(), "line 1: unknown field \"x\"");
        let mut seen_only = fields();
        seen_only.iter_mut().find(|f| f.id == "priority").unwrap().open = true;
        // Priorities are compared by id: an id not seen yet is kept, a name never matches.
        let kept = parse("priority include_any 4, high", &seen_only).unwrap();
        assert_eq!(kept, vec![(1, filter("priority", "include_any", &["2", "4"]))]);
        let unseen_name = parse("priority include_any Low", &seen_only).unwrap_err();
        assert!(unseen_name.message.starts_with("\"Low\" is not a value of Priority"), "{}", unseen_name.message);
    }

    #[test]
    fn people_on_cloud_are_display_names_seen_or_account_ids() {
        let mut known = fields();
        let assignee = known.iter_mut().find(|f| f.id == "assignee").unwrap();
        assignee.allowed = vec![("557058:ada".into(), "Ada Lovelace".into())];
        assignee.open = true;
        let parsed = parse("assignee include_any ada lovelace, 5b10a2844c20165700ede21g", &known).unwrap();
        assert_eq!(parsed, vec![(1, filter("assignee", "include_any", &["557058:ada", "5b10a2844c20165700ede21g"]))]);
        assert_eq!(
            parse("assignee include_any John", &known).unwrap(),
            vec![(1, filter("assignee", "include_any", &["John"]))],
            "Server: a user name"
        );
        known.iter_mut().find(|f| f.id == "assignee").unwrap().account_ids = true;
        let refused = parse("reporter empty\nassignee include_any John", &known).unwrap_err();
        assert_eq!(refused.line, 2);
        assert_eq!(refused.message, people::unknown_person("John"));
        let text = render(&[filter("assignee", "include_any", &["557058:ada"])], &known);
        assert_eq!(text, "Assignee include_any Ada Lovelace");
    }

    #[test]
    fn rendered_filters_read_back_to_the_same_filters() {
        let filters = vec![
            filter("priority", "include_any", &["1", "7"]),
            filter("customfield_10010", "exclude_any", &["100", "101"]),
            filter("security", "empty", &[]),
            filter("customfield_99", "include_any", &["x"]),
        ];
        let mut known = fields();
        known.retain(|f| f.id != "customfield_99");
        let text = render(&filters, &known);
        assert_eq!(
            text,
            "Priority include_any Highest, 7\nStory Points Team exclude_any 100, Green\nSecurity level empty\ncustomfield_99 include_any x"
        );
        known.push(FieldChoice::new("customfield_99", "customfield_99"));
        let priority = known.iter_mut().find(|f| f.id == "priority").unwrap();
        priority.allowed.push(("7".into(), "Seven".into()));
        let back: Vec<FieldFilter> = parse(&text, &known).unwrap().into_iter().map(|(_, f)| f).collect();
        assert_eq!(back, filters);
    }
}
