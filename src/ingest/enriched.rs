//! What Jira answered about the issues of recently enriched events (SPEC §4.5): a Jira Cloud
//! comment's issue is read once, by the router, and the people it names there (reporter,
//! creator) serve the comment's personal DMs too (§5.9) instead of a second read. Kept in
//! memory for a while: after a restart, or past that, the DMs ask Jira themselves.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::utc::now_ms;

/// Fields kept of an enriched issue: the people DMs need that Cloud comment payloads omit.
const KEPT_FIELDS: [&str; 2] = ["reporter", "creator"];
/// Events remembered at most (the oldest go first).
const KEPT_AT_MOST: usize = 1000;
/// How long an answer serves.
const KEPT_FOR_MS: u64 = 15 * 60 * 1000;

/// One enriched event: its id, when Jira answered (ms), and the people kept.
struct Answer {
    event_id: u64,
    at_ms: u64,
    people: Map<String, Value>,
}

/// Recent events' issue people, as Jira answered them.
#[derive(Default)]
pub struct EnrichedIssues {
    recent: Mutex<VecDeque<Answer>>,
}

impl EnrichedIssues {
    /// Keeps what Jira answered for `event_id`'s issue.
    pub fn remember(&self, event_id: u64, fields: &Map<String, Value>) {
        let kept: Map<String, Value> =
            KEPT_FIELDS.iter().filter_map(|name| Some((name.to_string(), fields.get(*name)?.clone()))).collect();
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() >= KEPT_AT_MOST {
            recent.pop_front();
        }
        recent.push_back(Answer { event_id, at_ms: now_ms(), people: kept });
    }

    /// The reporter and creator Jira answered for `event_id`'s issue, if it was enriched
    /// lately (a field Jira left out was not set).
    pub fn people_of(&self, event_id: u64) -> Option<Map<String, Value>> {
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_ms();
        recent
            .iter()
            .rev()
            .find(|a| a.event_id == event_id && now < a.at_ms.saturating_add(KEPT_FOR_MS))
            .map(|a| a.people.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_people_of_an_enriched_event_are_kept() {
        let enriched = EnrichedIssues::default();
        let fields = json!({"reporter": {"accountId": "r"}, "creator": {"accountId": "c"}, "summary": "x"});
        enriched.remember(7, fields.as_object().unwrap());
        let people = enriched.people_of(7).unwrap();
        assert_eq!(Value::Object(people), json!({"reporter": {"accountId": "r"}, "creator": {"accountId": "c"}}));
        assert_eq!(enriched.people_of(8), None);
        for id in 100..100 + KEPT_AT_MOST as u64 {
            enriched.remember(id, &Map::new());
        }
        assert_eq!(enriched.people_of(7), None, "the oldest go first");
    }
}
