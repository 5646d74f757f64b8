//! The event log as an admin searches it: stored events newest first, filtered by issue,
//! project, event name and time; one event in full with its deliveries. Shared by the admin
//! API and the console.

use serde::Serialize;

use crate::delivery::outbox::DeliverySummary;
use crate::ids::{InvalidId, JiraIssueKey};
use crate::store::records::{EventRecordV1, InstanceId, RoutingStatus};
use crate::store::{Store, StoreError};

/// Shown when no `limit` is given, and the most ever shown at once.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

/// What to look for; empty fields match everything.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    /// An issue key such as `OPS-12` (see [`wanted_issue`]).
    pub issue_key: Option<JiraIssueKey>,
    /// A project key (any case).
    pub project: Option<String>,
    /// An event name such as `event_created`, or the webhook's `webhookEvent`.
    pub kind: Option<String>,
    /// Received at or after this time (ms since the Unix epoch).
    pub since_ms: Option<u64>,
    pub limit: Option<usize>,
}

impl EventQuery {
    fn matches(&self, event: &EventRecordV1) -> bool {
        let same = |wanted: &Option<String>, value: &str| {
            wanted.as_deref().map(str::trim).is_none_or(|w| w.is_empty() || w.eq_ignore_ascii_case(value))
        };
        let kind = self.kind.as_deref().map(str::trim).filter(|k| !k.is_empty());
        // Compared in any case: the stored key is as Jira sent it.
        let issue = self.issue_key.as_ref().is_none_or(|key| key.as_str().eq_ignore_ascii_case(&event.issue_key));
        issue
            && same(&self.project, &event.project_key)
            && kind.is_none_or(|k| event.webhook_event == k || event.events.iter().any(|e| e == k))
    }
}

/// The issue key a search gives, parsed where it arrives (the API's query, the console's
/// form): `Ok(None)` when none is given, `Err` for text that is no issue key. No stored
/// event has such a key (Jira's keys all have the `PROJ-123` shape), so the edges answer
/// such a search with no events, as comparing the text did.
pub fn wanted_issue(text: Option<&str>) -> Result<Option<JiraIssueKey>, InvalidId> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => JiraIssueKey::parse(text).map(Some),
    }
}

/// One stored event, without its payload.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventSummary {
    pub id: u64,
    pub received_at_ms: u64,
    /// `legacy` or `firehose`.
    pub source: String,
    pub instance_id: Option<InstanceId>,
    pub webhook_event: String,
    pub issue_key: String,
    pub project: String,
    pub events: Vec<String>,
    /// Shown as its text: `routed`, `unmatched, <why>`, ….
    pub status: RoutingStatus,
}

impl EventSummary {
    pub fn of(id: u64, event: &EventRecordV1) -> EventSummary {
        EventSummary {
            id,
            received_at_ms: event.received_at_ms,
            source: event.source.clone(),
            instance_id: event.instance_id.clone(),
            webhook_event: event.webhook_event.clone(),
            issue_key: event.issue_key.clone(),
            project: event.project_key.clone(),
            events: event.events.clone(),
            status: event.status.clone(),
        }
    }
}

/// One stored event in full.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub summary: EventSummary,
    /// The request headers kept with it (none of them carries a secret).
    pub headers: Vec<(String, String)>,
    /// The payload as JSON (as text when it is not JSON).
    pub payload: serde_json::Value,
    pub deliveries: Vec<DeliverySummary>,
}

/// Events matching `query`, newest first.
pub fn search(store: &Store, query: &EventQuery) -> Result<Vec<EventSummary>, StoreError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let found = store.events_newest_first(query.since_ms.unwrap_or(0), limit, |e| query.matches(e))?;
    Ok(found.iter().map(|(id, event)| EventSummary::of(*id, event)).collect())
}

/// One event with its payload and deliveries; `None` when it is not stored (any more).
pub fn detail(store: &Store, id: u64) -> Result<Option<EventDetail>, StoreError> {
    let Some(event) = store.event(id)? else { return Ok(None) };
    let payload = serde_json::from_slice(&event.raw_body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&event.raw_body).into_owned()));
    let deliveries = store.deliveries_of_event(id)?.iter().map(DeliverySummary::of).collect();
    let headers = event.headers.iter().filter(|(name, _)| !is_sensitive(name)).cloned().collect();
    Ok(Some(EventDetail { summary: EventSummary::of(id, &event), headers, payload, deliveries }))
}

/// Only harmless headers are kept today; this guards against a later change keeping more.
fn is_sensitive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["authorization", "cookie", "secret", "signature", "token"].iter().any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::RoutingKind;

    fn event(issue_key: &str) -> EventRecordV1 {
        EventRecordV1 {
            received_at_ms: 1,
            source: "firehose".into(),
            instance_id: None,
            webhook_event: "jira:issue_created".into(),
            issue_key: issue_key.into(),
            project_key: "OPS".into(),
            events: vec!["event_created".into()],
            status: RoutingStatus::new(RoutingKind::Routed),
            headers: vec![],
            raw_body: vec![],
        }
    }

    #[test]
    fn a_searched_issue_key_is_parsed_and_matches_in_any_case() {
        assert_eq!(wanted_issue(None), Ok(None));
        assert_eq!(wanted_issue(Some("  ")), Ok(None));
        assert!(wanted_issue(Some("no key")).is_err(), "the edges answer it with no events");
        let query = EventQuery { issue_key: wanted_issue(Some(" ops-12 ")).unwrap(), ..EventQuery::default() };
        assert!(query.matches(&event("OPS-12")));
        assert!(query.matches(&event("ops-12")), "as Jira sent it");
        assert!(!query.matches(&event("OPS-1")));
        assert!(EventQuery::default().matches(&event("")));
    }
}
