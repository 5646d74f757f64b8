//! Facts of an issue kept for later partial payloads (SPEC §4.5). Jira Cloud's comment
//! events carry only the summary, status, priority, issue type, project and assignee, and
//! no security level: filters on anything else, and the security rule, use what the last
//! full payload of the issue showed. Pure conversions to and from the stored record.

use std::collections::BTreeSet;

use super::facts::IssueFacts;
use crate::store::records::IssueFactsRecordV1;

/// Fields no filter compares (texts, lists of other objects, times): not kept.
const NOT_KEPT: &[&str] = &[
    "summary",
    "description",
    "environment",
    "comment",
    "commentvisibility",
    "attachment",
    "worklog",
    "timetracking",
    "issuelinks",
    "subtasks",
    "votes",
    "watches",
    "progress",
    "aggregateprogress",
    "created",
    "updated",
    "lastviewed",
    "statuscategorychangedate",
];

/// A value longer than this is text someone wrote, not something a filter names.
const LONGEST_VALUE: usize = 256;

impl IssueFacts {
    /// The facts worth keeping, as the store keeps them (`event_id` is set when stored).
    pub fn to_record(&self, seen_at_ms: u64) -> IssueFactsRecordV1 {
        let mut fields: Vec<(String, Vec<String>)> = self
            .fields
            .iter()
            .filter(|(key, _)| !NOT_KEPT.contains(&key.as_str()))
            .map(|(key, values)| (key.clone(), values.iter().filter(|v| v.len() <= LONGEST_VALUE).cloned().collect()))
            .collect();
        fields.sort();
        let (project, issue_type) = (self.project_key.clone(), self.issue_type_id.clone());
        IssueFactsRecordV1::new(seen_at_ms, project, issue_type, self.has_security_level, fields)
    }

    pub fn from_record(record: &IssueFactsRecordV1) -> IssueFacts {
        let mut facts = IssueFacts {
            project_key: record.project_key.clone(),
            issue_type_id: record.issue_type_id.clone(),
            has_security_level: record.has_security_level,
            ..IssueFacts::default()
        };
        for (key, values) in &record.fields {
            facts.fields.insert(key.clone(), values.iter().cloned().collect::<BTreeSet<String>>());
        }
        facts
    }

    /// Completes the facts of a partial payload with what was seen before: the security
    /// level, and every field the payload does not carry (what it carries is newer).
    pub fn fill_gaps_from(&mut self, known: &IssueFacts) {
        self.has_security_level = known.has_security_level;
        for (key, values) in &known.fields {
            if key == "security" || !self.fields.contains_key(key) {
                self.fields.insert(key.clone(), values.clone());
            }
        }
        if self.project_key.is_empty() {
            self.project_key = known.project_key.clone();
        }
        if self.issue_type_id.is_empty() {
            self.issue_type_id = known.issue_type_id.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::jira::payload::Payload;

    fn facts(payload: serde_json::Value) -> IssueFacts {
        IssueFacts::from_payload(&Payload::parse(payload.to_string().as_bytes()).unwrap(), true)
    }

    #[test]
    fn a_partial_comment_payload_takes_the_security_level_and_other_fields_from_before() {
        let full = facts(json!({"issue": {"fields": {
            "project": {"key": "OPS"}, "issuetype": {"id": "10001"}, "priority": {"id": "3"},
            "security": {"id": "10100", "name": "Staff"}, "labels": ["infra"],
            "customfield_10010": {"id": "77"}, "description": "long text that is not kept"
        }}}));
        let stored = IssueFacts::from_record(&full.to_record(5));
        assert!(stored.has_security_level);
        assert!(stored.values("description").is_empty(), "texts are not kept");

        let mut comment = facts(json!({"issue": {"fields": {
            "project": {"key": "OPS"}, "issuetype": {"id": "10001"}, "priority": {"id": "1"}
        }}, "comment": {"body": "hi"}}));
        assert!(!comment.has_security_level, "the payload alone does not tell");
        comment.fill_gaps_from(&stored);
        assert!(comment.has_security_level);
        assert_eq!(comment.values("security"), BTreeSet::from(["10100".to_string()]));
        assert_eq!(comment.values("labels"), BTreeSet::from(["infra".to_string()]));
        assert_eq!(comment.values("customfield_10010"), BTreeSet::from(["77".to_string()]));
        assert_eq!(comment.values("priority"), BTreeSet::from(["1".to_string()]), "the payload's own is newer");
    }
}
