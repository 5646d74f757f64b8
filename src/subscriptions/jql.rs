//! A subscription shown as approximate JQL (SPEC §6.6) without Jira metadata: ids stand
//! in for names. "Approximate; not guaranteed to be valid JQL."

use std::collections::BTreeSet;

use super::matching::{effective_inclusion, MatchSettings};
use super::model::{FieldFilter, Inclusion, Subscription, COMMENT_VISIBILITY, SECURITY, UPDATED_ANY};

const SECURITY_EMPTY: &str = "\"Security Level\" IS EMPTY";

/// The JQL, and notes on what JQL cannot express (events, comment rules).
pub fn approximate_jql(sub: &Subscription, settings: MatchSettings) -> (String, Vec<String>) {
    let filters = &sub.filters;
    let mut clauses = vec![project_clause(&filters.projects), issue_type_clause(&filters.issue_types)];
    let mut notes = vec![events_note(&filters.events)];
    for filter in &filters.fields {
        match filter_clause(filter, settings) {
            Ok(clause) => clauses.push(clause),
            Err(note) => notes.push(note),
        }
    }
    if settings.security_level_empty && !filters.fields.iter().any(|f| f.is_key(SECURITY)) {
        clauses.push(SECURITY_EMPTY.to_string());
    }
    notes.extend(comments_note(&filters.events, settings));
    (clauses.join(" AND "), notes)
}

fn project_clause(projects: &BTreeSet<String>) -> String {
    let first = projects.first().map_or_else(|| "?".to_string(), |p| quote(p));
    format!("Project = {first}")
}

fn issue_type_clause(issue_types: &BTreeSet<String>) -> String {
    if issue_types.is_empty() {
        "IssueType IN ?".to_string()
    } else {
        format!("IssueType IN ({})", list(issue_types.iter()))
    }
}

fn filter_clause(filter: &FieldFilter, settings: MatchSettings) -> Result<String, String> {
    if filter.is_key(COMMENT_VISIBILITY) {
        let values = list(filter.values.iter());
        return Err(format!("comment visibility is not in JQL: {} ({values})", filter.inclusion));
    }
    let Some(inclusion) = effective_inclusion(filter, settings) else {
        return Err(format!(
            "the filter on {} has an invalid inclusion {:?} and never matches",
            filter.key, filter.inclusion
        ));
    };
    let field = quote(field_name(&filter.key));
    if filter.values.is_empty() && inclusion != Inclusion::Empty {
        return Ok(format!("{field} IN ?"));
    }
    let values = list(filter.values.iter());
    Ok(match inclusion {
        Inclusion::Empty => format!("{field} IS EMPTY"),
        Inclusion::ExcludeAny => format!("{field} NOT IN ({values})"),
        Inclusion::IncludeAny => format!("{field} IN ({values})"),
        Inclusion::IncludeAll if filter.values.len() > 1 => {
            let each: Vec<String> = filter.values.iter().map(|v| format!("{field} IN ({})", quote(v))).collect();
            format!("({})", each.join(" AND "))
        }
        Inclusion::IncludeAll => format!("{field} IN ({values})"),
        Inclusion::IncludeOrEmpty => format!("({field} IN ({values}) OR {field} IS EMPTY)"),
    })
}

/// JQL names where they differ from the field id.
fn field_name(key: &str) -> &str {
    if key.eq_ignore_ascii_case("fixVersions") {
        "fixVersion"
    } else if key.eq_ignore_ascii_case("versions") {
        "affectedVersion"
    } else {
        key
    }
}

fn list<'a>(values: impl Iterator<Item = &'a String>) -> String {
    values.map(|v| quote(v)).collect::<Vec<_>>().join(", ")
}

fn quote(text: &str) -> String {
    if text.contains(' ') {
        format!("\"{}\"", text.replace('"', "\\\""))
    } else {
        text.to_string()
    }
}

fn events_note(events: &BTreeSet<String>) -> String {
    let names: Vec<&str> = events.iter().map(String::as_str).collect();
    format!("JQL cannot express the events: {}", names.join(", "))
}

fn comments_note(events: &BTreeSet<String>, settings: MatchSettings) -> Option<String> {
    let comments = events.iter().any(|e| e == UPDATED_ANY || e.ends_with("_comment"));
    let note = if settings.restricted_comments_to_channels {
        "comments restricted to a group or role are posted as well"
    } else {
        "comments restricted to a group or role are posted only when a commentVisibility filter names the group or role"
    };
    comments.then(|| note.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscriptions::model::Filters;

    fn set(xs: &[&str]) -> BTreeSet<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    fn filter(key: &str, inclusion: &str, values: &[&str]) -> FieldFilter {
        FieldFilter { key: key.into(), inclusion: inclusion.into(), values: set(values) }
    }

    fn jql(projects: &[&str], fields: Vec<FieldFilter>, settings: MatchSettings) -> (String, Vec<String>) {
        let filters = Filters {
            events: set(&["event_created", "event_updated_status"]),
            projects: set(projects),
            issue_types: set(&["10004", "10001"]),
            fields,
        };
        approximate_jql(&Subscription { name: "Bugs".into(), filters, ..Subscription::default() }, settings)
    }

    fn clauses(fields: Vec<FieldFilter>) -> String {
        let off = MatchSettings { security_level_empty: false, ..MatchSettings::default() };
        let (text, _) = jql(&["KT"], fields, off);
        text.trim_start_matches("Project = KT AND IssueType IN (10001, 10004)").trim_start_matches(" AND ").to_string()
    }

    #[test]
    fn project_issue_types_and_the_security_rule() {
        let (text, notes) = jql(&["KT", "AB"], vec![], MatchSettings::default());
        assert_eq!(text, "Project = AB AND IssueType IN (10001, 10004) AND \"Security Level\" IS EMPTY");
        assert_eq!(notes, ["JQL cannot express the events: event_created, event_updated_status"]);
        let sub = Subscription::default();
        assert_eq!(
            approximate_jql(&sub, MatchSettings::default()).0,
            format!("Project = ? AND IssueType IN ? AND {SECURITY_EMPTY}")
        );
    }

    #[test]
    fn one_clause_per_inclusion() {
        let cases = [
            (filter("priority", "include_any", &["1", "2"]), "priority IN (1, 2)"),
            (filter("labels", "include_all", &["backend", "urgent"]), "(labels IN (backend) AND labels IN (urgent))"),
            (filter("labels", "include_all", &["backend"]), "labels IN (backend)"),
            (filter("components", "exclude_any", &["10500"]), "components NOT IN (10500)"),
            (filter("customfield_10104", "empty", &[]), "customfield_10104 IS EMPTY"),
            (filter("fixVersions", "include_or_empty", &["10020"]), "(fixVersion IN (10020) OR fixVersion IS EMPTY)"),
            (filter("versions", "include_any", &["10021"]), "affectedVersion IN (10021)"),
            (filter("labels", "include_any", &[]), "labels IN ?"),
            (filter("Story Points", "include_any", &["Big one", "3"]), "\"Story Points\" IN (3, \"Big one\")"),
        ];
        for (filter, expected) in cases {
            assert_eq!(clauses(vec![filter]), expected);
        }
    }

    #[test]
    fn a_security_filter_replaces_the_default_clause() {
        let (text, _) = jql(&["KT"], vec![filter("security", "include_any", &["10000"])], MatchSettings::default());
        assert!(text.ends_with(" AND security IN (10000)"), "{text}");
        let (text, _) = jql(&["KT"], vec![filter("security", "exclude_any", &["10000"])], MatchSettings::default());
        assert!(text.ends_with(" AND security IS EMPTY"), "{text}");
    }

    #[test]
    fn comment_rules_and_invalid_filters_become_notes() {
        let fields =
            vec![filter("commentVisibility", "include_any", &["jira-developers"]), filter("labels", "", &["a"])];
        let mut sub = Subscription::default();
        sub.filters.fields = fields;
        sub.filters.events = set(&["event_created_comment"]);
        let (text, notes) = approximate_jql(&sub, MatchSettings::default());
        assert!(!text.contains("commentVisibility") && !text.contains("labels"), "{text}");
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert!(notes[1].contains("jira-developers") && notes[2].contains("invalid inclusion"));
        assert!(notes[3].contains("only when a commentVisibility filter names"));
        let on = MatchSettings { restricted_comments_to_channels: true, ..MatchSettings::default() };
        assert!(approximate_jql(&sub, on).1[3].contains("posted as well"));
    }
}
