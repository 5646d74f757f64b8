//! The legacy per-channel webhook URL: its `updated_*` flags select events (SPEC §4.3).

use crate::events::names;

/// Events a legacy URL posts. `All` also takes events the plugin's list lacked.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    All,
    Events(Vec<String>),
}

const DEFAULT_EVENTS: &[&str] = &[
    names::CREATED,
    names::UPDATED_REOPENED,
    names::UPDATED_RESOLVED,
    names::DELETED_UNRESOLVED,
    names::UPDATED_ASSIGNEE,
];

/// Flags that add one `event_updated_<name>`; `prioity` is the plugin's spelling kept
/// for old URLs.
const SINGLE_FLAGS: &[(&str, &str)] = &[
    ("updated_attachment", names::UPDATED_ATTACHMENT),
    ("updated_description", names::UPDATED_DESCRIPTION),
    ("updated_labels", names::UPDATED_LABELS),
    ("updated_priority", names::UPDATED_PRIORITY),
    ("updated_prioity", names::UPDATED_PRIORITY),
    ("updated_rank", names::UPDATED_RANK),
    ("updated_sprint", names::UPDATED_SPRINT),
    ("updated_status", names::UPDATED_STATUS),
    ("updated_summary", names::UPDATED_SUMMARY),
];

/// Whether a legacy URL's `team` or `channel` can be a Mattermost name: 1 to 64 of
/// `a-z`, `0-9`, `-` and `_`, as Mattermost's own naming rules allow. Anything else is
/// refused before it reaches a Mattermost URL path (`..`, `/`, `%2F` would change the path).
pub fn is_mattermost_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A flag is on for any non-empty value other than `0` or `false`.
fn is_on(value: Option<&str>) -> bool {
    matches!(value, Some(v) if !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

impl Selection {
    /// Builds the selection from the query parameters (`get` looks one up by name).
    pub fn from_flags<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Selection {
        if is_on(get("updated_all")) {
            return Selection::All;
        }
        let mut events: Vec<String> = DEFAULT_EVENTS.iter().map(|e| e.to_string()).collect();
        for (flag, event) in SINGLE_FLAGS {
            if is_on(get(flag)) && !events.iter().any(|e| e == event) {
                events.push(event.to_string());
            }
        }
        if is_on(get("updated_comments")) {
            events.extend([names::CREATED_COMMENT, names::UPDATED_COMMENT, names::DELETED_COMMENT].map(String::from));
        }
        Selection::Events(events)
    }

    /// True when the event set meets the selection.
    pub fn selects(&self, events: &[String]) -> bool {
        match self {
            Selection::All => !events.is_empty(),
            Selection::Events(selected) => events.iter().any(|e| selected.contains(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn selection(pairs: &[(&str, &str)]) -> Selection {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Selection::from_flags(|k| map.get(k).copied())
    }

    fn ev(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn only_mattermost_names_pass() {
        for good in ["eng", "jira-feed", "town_square", "a", "0", &"x".repeat(64)] {
            assert!(is_mattermost_name(good), "{good}");
        }
        let long = "x".repeat(65);
        for bad in ["", "..", "eng/..", "Eng", "jira feed", "a%2Fb", "café", "a\nb", "a.b", &long] {
            assert!(!is_mattermost_name(bad), "{bad}");
        }
    }

    #[test]
    fn defaults_take_created_resolved_reopened_unresolved_delete_and_assignee() {
        let s = selection(&[]);
        assert!(s.selects(&ev(&["event_created"])));
        assert!(s.selects(&ev(&["event_deleted", "event_deleted_unresolved"])));
        assert!(!s.selects(&ev(&["event_deleted"])));
        assert!(!s.selects(&ev(&["event_updated_status"])));
        assert!(!s.selects(&ev(&["event_created_comment"])));
    }

    #[test]
    fn flags_add_events_including_the_misspelt_priority() {
        assert!(selection(&[("updated_prioity", "1")]).selects(&ev(&["event_updated_priority"])));
        assert!(selection(&[("updated_comments", "true")]).selects(&ev(&["event_deleted_comment"])));
        assert!(!selection(&[("updated_status", "0")]).selects(&ev(&["event_updated_status"])));
        assert!(!selection(&[("updated_status", "false")]).selects(&ev(&["event_updated_status"])));
        assert!(selection(&[("updated_all", "1")]).selects(&ev(&["event_updated_customfield_1"])));
    }
}
