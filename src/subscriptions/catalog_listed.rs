//! The part of the catalogue Jira lists (SPEC §6.9): read through the one Jira client with the
//! admin credentials, at most every 10 minutes per instance (a minute after a failure), one
//! read at a time, kept in memory (Jira holds it; a restart reads it again). A page waits for
//! a read a few seconds at most. Merged over the names learned from payloads: Jira's name wins
//! for the same kind and id, and what only payloads showed (labels, a project the credentials
//! may not browse) stays.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::ids::InstanceType;
use crate::jira::auth::JiraAuth;
use crate::jira::catalog::listed_names;
use crate::jira::client::JiraClient;
use crate::store::records::InstanceRecordV1;
use crate::store::CatalogEntry;
use crate::utc::now_ms;

/// How long a listing is used before Jira is asked again.
pub const REFRESH_MS: u64 = 10 * 60 * 1000;
/// After a failed listing, Jira is asked again no sooner than this.
const RETRY_AFTER_FAILURE_MS: u64 = 60 * 1000;
/// How long a console page waits for a listing; a slower one goes on in the background and
/// serves the next page.
pub const PAGE_WAITS_AT_MOST: Duration = Duration::from_secs(3);
/// How long the API waits (a script would rather have the names than an early answer).
pub const API_WAITS_AT_MOST: Duration = Duration::from_secs(30);

/// Jira's listings, per instance.
pub struct ListedCatalog {
    client: JiraClient,
    listings: Mutex<HashMap<String, Listing>>,
}

#[derive(Default)]
struct Listing {
    /// When Jira is asked next (ms).
    next_read_ms: u64,
    entries: Vec<CatalogEntry>,
    /// A read is under way: nobody starts another.
    reading: bool,
}

impl ListedCatalog {
    pub fn new(client: JiraClient) -> ListedCatalog {
        ListedCatalog { client, listings: Mutex::default() }
    }

    /// What Jira lists for `instance`: the last listing while it is fresh; else Jira is asked
    /// (one read at a time per instance), waiting at most `wait` before the last listing (or
    /// nothing) is answered instead. Empty without credentials or in push-only mode.
    pub async fn listed(
        self: &Arc<Self>,
        instance: &InstanceRecordV1,
        auth: Option<&JiraAuth>,
        wait: Duration,
    ) -> Vec<CatalogEntry> {
        let Some(auth) = auth.filter(|_| self.client.may_call()).cloned() else { return Vec::new() };
        let id = instance.id.to_string();
        let now = now_ms();
        let start = {
            let mut listings = self.listings();
            let listing = listings.entry(id.clone()).or_default();
            if now < listing.next_read_ms || listing.reading {
                return listing.entries.clone();
            }
            listing.reading = true;
            listing.entries.clone()
        };
        let catalog = self.clone();
        let cloud = instance.instance_type == InstanceType::Cloud;
        let reading = tokio::spawn(catalog.read(id, cloud, auth));
        match tokio::time::timeout(wait, reading).await {
            Ok(Ok(entries)) => entries,
            _ => start,
        }
    }

    /// Asks Jira and keeps the answer (or, after a failure, the last listing for a minute).
    async fn read(self: Arc<Self>, id: String, cloud: bool, auth: JiraAuth) -> Vec<CatalogEntry> {
        // Should the read end early (a panic, the runtime stopping), the next page starts one.
        let _reading = ReadUnderWay { catalog: self.clone(), id: id.clone() };
        let answer = listed_names(&self.client, &id, cloud, &auth).await;
        let now = now_ms();
        let mut listings = self.listings();
        let listing = listings.entry(id.clone()).or_default();
        match answer {
            Ok(names) => {
                listing.entries = names
                    .into_iter()
                    .map(|n| CatalogEntry {
                        kind: n.kind.to_string(),
                        id: n.id,
                        name: n.name,
                        project: n.project,
                        last_seen_ms: now,
                        listed_by_jira: true,
                    })
                    .collect();
                listing.next_read_ms = now + REFRESH_MS;
            }
            Err(e) => {
                tracing::warn!(instance = %id, error = %e, "Jira could not list names for the catalogue");
                listing.next_read_ms = now + RETRY_AFTER_FAILURE_MS;
            }
        }
        listing.entries.clone()
    }

    fn listings(&self) -> std::sync::MutexGuard<'_, HashMap<String, Listing>> {
        self.listings.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Marks an instance's read as over when dropped, however the read ended.
struct ReadUnderWay {
    catalog: Arc<ListedCatalog>,
    id: String,
}

impl Drop for ReadUnderWay {
    fn drop(&mut self) {
        if let Some(listing) = self.catalog.listings().get_mut(&self.id) {
            listing.reading = false;
        }
    }
}

/// Jira's names over the learned ones: one entry per kind and id.
pub fn merged(learned: Vec<CatalogEntry>, listed: Vec<CatalogEntry>) -> Vec<CatalogEntry> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(learned.len() + listed.len());
    for entry in listed.into_iter().chain(learned) {
        if seen.insert((entry.kind.clone(), entry.id.clone())) {
            out.push(entry);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, id: &str, name: &str, listed_by_jira: bool) -> CatalogEntry {
        CatalogEntry {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            project: None,
            last_seen_ms: 1,
            listed_by_jira,
        }
    }

    #[test]
    fn jira_names_win_and_what_only_payloads_showed_stays() {
        let learned = vec![entry("priorities", "2", "High (old)", false), entry("labels", "urgent", "urgent", false)];
        let listed = vec![
            entry("priorities", "2", "High", true),
            entry("issue_types", "10001", "Bug", true),
            entry("issue_types", "10001", "Bug", true),
        ];
        let names: Vec<(String, bool)> =
            merged(learned, listed).into_iter().map(|e| (e.name, e.listed_by_jira)).collect();
        let expected = [("High", true), ("Bug", true), ("urgent", false)];
        assert_eq!(names, expected.map(|(n, j)| (n.to_string(), j)));
    }
}
