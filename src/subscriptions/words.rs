//! Subscription vocabulary in words, for people: each event code as a short phrase, grouped
//! as an admin thinks of them, and each inclusion as what it means. The console's editor and
//! the chat editor both show these; subscriptions store the codes.

/// Inclusion words with what they mean.
pub const INCLUSIONS: &[(&str, &str)] = &[
    ("include_any", "includes any of"),
    ("include_all", "includes all of"),
    ("exclude_any", "includes none of"),
    ("empty", "is empty"),
    ("include_or_empty", "includes any of, or is empty"),
];

/// Every event of [`super::model::KNOWN_EVENTS`] in words, grouped as an admin thinks of them.
pub const EVENT_GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "Issue",
        &[
            ("event_created", "Issue created"),
            ("event_deleted", "Issue deleted"),
            ("event_deleted_unresolved", "Unresolved issue deleted"),
            ("event_updated_reopened", "Issue reopened"),
            ("event_updated_resolved", "Issue resolved"),
            ("event_updated_any", "Any change to an issue"),
        ],
    ),
    (
        "Comment",
        &[
            ("event_created_comment", "Comment added"),
            ("event_updated_comment", "Comment edited"),
            ("event_deleted_comment", "Comment deleted"),
        ],
    ),
    (
        "Field changes",
        &[
            ("event_updated_status", "Status changed"),
            ("event_updated_assignee", "Assignee changed"),
            ("event_updated_priority", "Priority changed"),
            ("event_updated_summary", "Summary changed"),
            ("event_updated_description", "Description changed"),
            ("event_updated_labels", "Labels changed"),
            ("event_updated_attachment", "Attachments added or removed"),
            ("event_updated_sprint", "Sprint changed"),
            ("event_updated_rank", "Rank changed"),
            ("event_updated_issue_type", "Issue type changed"),
            ("event_updated_fix_version", "Fix version changed"),
            ("event_updated_affects_version", "Affects version changed"),
            ("event_updated_reporter", "Reporter changed"),
            ("event_updated_components", "Components changed"),
        ],
    ),
];

/// The words of an event code, when it is one of [`EVENT_GROUPS`].
pub fn event_words(code: &str) -> Option<&'static str> {
    EVENT_GROUPS.iter().flat_map(|(_, events)| events.iter()).find(|(c, _)| *c == code).map(|(_, words)| *words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscriptions::model::KNOWN_EVENTS;

    #[test]
    fn every_known_event_has_words_in_one_group() {
        let grouped: Vec<&str> =
            EVENT_GROUPS.iter().flat_map(|(_, events)| events.iter().map(|(code, _)| *code)).collect();
        let mut sorted = grouped.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), grouped.len(), "no event twice");
        let mut known = KNOWN_EVENTS.to_vec();
        known.sort_unstable();
        assert_eq!(sorted, known);
    }

    #[test]
    fn event_codes_read_as_words() {
        assert_eq!(event_words("event_updated_status"), Some("Status changed"));
        assert_eq!(event_words("event_updated_customfield_10010"), None);
    }
}
