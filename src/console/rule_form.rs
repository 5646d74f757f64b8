//! The subscription (and template) editor's form: to and from the plugin's model, with each
//! validation message placed next to its field.

use std::collections::{BTreeMap, BTreeSet};

use super::form::{split_list, FormData};
use crate::ids::{ChannelId, InstanceId};
use crate::store::records::SubscriptionRecordV1;
use crate::subscriptions::model::{FieldFilter, Filters, Subscription, KNOWN_EVENTS};
use crate::subscriptions::words::{EVENT_GROUPS, INCLUSIONS};

/// Blank filter rows offered below the existing ones (JavaScript can add more).
const BLANK_ROWS: usize = 2;

#[derive(Debug, Default, Clone)]
pub struct FilterRow {
    pub key: String,
    pub inclusion: String,
    pub values: String,
    pub error: Option<String>,
}

impl FilterRow {
    pub fn is(&self, inclusion: &str) -> bool {
        self.inclusion == inclusion
    }
}

#[derive(Debug, Default, Clone)]
pub struct RuleForm {
    pub id: String,
    pub name: String,
    /// A channel id, or `team/channel` names the handler resolves to an id.
    pub channel: String,
    pub instance_id: String,
    pub events: BTreeSet<String>,
    /// Event names outside the fixed list (custom fields: `event_updated_customfield_10010`).
    pub other_events: String,
    pub projects: String,
    pub issue_types: String,
    pub rows: Vec<FilterRow>,
    /// Messages by JSON path (`name`, `filters.events[2]`, `filters.fields[0].values`).
    pub errors: BTreeMap<String, String>,
}

impl RuleForm {
    pub fn blank(instance_id: String) -> RuleForm {
        RuleForm { instance_id, rows: vec![FilterRow::default(); BLANK_ROWS], ..RuleForm::default() }
    }

    pub fn from_record(record: &SubscriptionRecordV1) -> RuleForm {
        let (known, other): (Vec<_>, Vec<_>) =
            record.events.iter().cloned().partition(|e| KNOWN_EVENTS.contains(&e.as_str()));
        let mut rows: Vec<FilterRow> = record
            .fields
            .iter()
            .map(|f| FilterRow {
                key: f.key.clone(),
                inclusion: f.inclusion.clone(),
                values: f.values.join(", "),
                error: None,
            })
            .collect();
        rows.extend(std::iter::repeat_n(FilterRow::default(), BLANK_ROWS));
        RuleForm {
            id: record.id.clone(),
            name: record.name.clone(),
            channel: record.channel_id.to_string(),
            instance_id: record.instance_id.to_string(),
            events: known.into_iter().collect(),
            other_events: other.join(", "),
            projects: record.projects.join(", "),
            issue_types: record.issue_types.join(", "),
            rows,
            errors: BTreeMap::new(),
        }
    }

    /// Reads the submitted editor. Filter rows without a key are blank rows and skipped.
    pub fn from_form(form: &FormData) -> RuleForm {
        let (keys, inclusions, values) =
            (form.column("field_key"), form.column("field_inclusion"), form.column("field_values"));
        let rows = keys
            .iter()
            .enumerate()
            .map(|(i, key)| FilterRow {
                key: key.to_string(),
                inclusion: inclusions.get(i).unwrap_or(&"").to_string(),
                values: values.get(i).unwrap_or(&"").to_string(),
                error: None,
            })
            .collect();
        RuleForm {
            id: form.get("id").into(),
            name: form.get("name").into(),
            channel: form.get("channel").into(),
            instance_id: form.get("instance_id").into(),
            events: form.all("events").into_iter().map(String::from).collect(),
            other_events: form.get("other_events").into(),
            projects: form.get("projects").into(),
            issue_types: form.get("issue_types").into(),
            rows,
            errors: BTreeMap::new(),
        }
    }

    /// The plugin's model, for the channel id the handler resolved.
    pub fn to_model(&self, channel_id: &ChannelId) -> Subscription {
        let mut events = self.events.clone();
        events.extend(split_list(&self.other_events));
        let fields = self
            .rows
            .iter()
            .filter(|r| !r.key.is_empty())
            .map(|r| FieldFilter {
                key: r.key.clone(),
                inclusion: r.inclusion.clone(),
                values: split_list(&r.values).into_iter().collect(),
            })
            .collect();
        Subscription {
            id: self.id.clone(),
            channel_id: channel_id.clone(),
            name: self.name.clone(),
            // Checked against the stored instances when saved, as the API's text is.
            instance_id: InstanceId::unchecked(self.instance_id.clone()),
            filters: Filters {
                events,
                projects: split_list(&self.projects).into_iter().collect(),
                issue_types: split_list(&self.issue_types).into_iter().collect(),
                fields,
            },
        }
    }

    /// Files validation messages under their inputs; filter-row messages go to the row
    /// (rows without a key were dropped, so row `n` of the model is the n-th keyed row).
    pub fn place_errors(&mut self, errors: BTreeMap<String, String>) {
        let keyed: Vec<usize> = (0..self.rows.len()).filter(|&i| !self.rows[i].key.is_empty()).collect();
        for (path, message) in &errors {
            let Some(rest) = path.strip_prefix("filters.fields[") else { continue };
            let n: Option<usize> = rest.split(']').next().and_then(|d| d.parse().ok());
            if let Some(row) = n.and_then(|n| keyed.get(n)).and_then(|&i| self.rows.get_mut(i)) {
                row.error = Some(message.clone());
            }
        }
        self.errors = errors;
    }

    /// The first message for a path or anything below it (`filters.events` covers
    /// `filters.events[3]`).
    pub fn error(&self, prefix: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(path, _)| {
                path.as_str() == prefix
                    || path.starts_with(&format!("{prefix}["))
                    || path.starts_with(&format!("{prefix}."))
            })
            .map(|(_, m)| m.as_str())
    }

    /// Messages no input shows (so none is lost).
    pub fn other_errors(&self) -> Vec<String> {
        const PLACED: [&str; 7] = [
            "name",
            "channel_id",
            "instance_id",
            "filters.events",
            "filters.projects",
            "filters.issue_types",
            "filters.fields",
        ];
        self.errors
            .iter()
            .filter(|(path, _)| !PLACED.iter().any(|p| path.starts_with(p)))
            .map(|(path, message)| format!("{path}: {message}"))
            .collect()
    }

    pub fn instance_is(&self, id: &str) -> bool {
        self.instance_id == id
    }

    pub fn has_event(&self, event: &str) -> bool {
        self.events.contains(event)
    }

    /// The events in groups (SPEC §6.9: words, with the plugin's code as the value).
    pub fn event_groups(&self) -> &'static [(&'static str, &'static [(&'static str, &'static str)])] {
        EVENT_GROUPS
    }

    pub fn inclusions(&self) -> &'static [(&'static str, &'static str)] {
        INCLUSIONS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_filter_rows_and_blank_rows_become_two_field_filters() {
        let body = "name=Bugs&channel=ch1&instance_id=https%3A%2F%2Fjira.example.com&events=event_created\
            &other_events=event_updated_customfield_10010&projects=KT%2C+OPS&issue_types=10001\
            &field_key=priority&field_inclusion=include_any&field_values=1%2C2\
            &field_key=&field_inclusion=include_any&field_values=\
            &field_key=labels&field_inclusion=exclude_any&field_values=wontfix";
        let form = RuleForm::from_form(&FormData::parse(body.as_bytes()));
        let sub = form.to_model(&ChannelId::unchecked("ch1"));
        assert_eq!(sub.filters.events.len(), 2);
        assert_eq!(sub.filters.projects.iter().collect::<Vec<_>>(), ["KT", "OPS"]);
        assert_eq!(sub.filters.fields.len(), 2);
        assert_eq!(sub.filters.fields[1].key, "labels");
        assert_eq!(sub.filters.fields[0].values.iter().collect::<Vec<_>>(), ["1", "2"]);

        let mut form = form;
        form.place_errors(BTreeMap::from([("filters.fields[1].inclusion".to_string(), "bad".to_string())]));
        assert_eq!(form.rows[2].error.as_deref(), Some("bad"), "second keyed row is the third row");
        assert_eq!(form.error("filters.fields"), Some("bad"));
        assert!(form.other_errors().is_empty());
    }
}
