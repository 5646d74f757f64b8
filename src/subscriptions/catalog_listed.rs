//! The part of the catalogue Jira lists (SPEC §6.9): read through the one Jira client with the
//! admin credentials, at most every 10 minutes per instance, kept in memory (Jira holds it;
//! a restart reads it again). Merged over the names learned from payloads: Jira's name wins
//! for the same kind and id, and what only payloads showed (labels, a project the credentials
//! may not browse) stays.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::ids::InstanceType;
use crate::jira::auth::JiraAuth;
use crate::jira::catalog::listed_names;
use crate::jira::client::JiraClient;
use crate::store::records::InstanceRecordV1;
use crate::store::CatalogEntry;
use crate::utc::now_ms;

/// How long a listing is used before Jira is asked again.
pub const REFRESH_MS: u64 = 10 * 60 * 1000;

/// Jira's listings, per instance.
pub struct ListedCatalog {
    client: JiraClient,
    listings: Mutex<HashMap<String, Listing>>,
}

struct Listing {
    read_at_ms: u64,
    entries: Vec<CatalogEntry>,
}

impl ListedCatalog {
    pub fn new(client: JiraClient) -> ListedCatalog {
        ListedCatalog { client, listings: Mutex::default() }
    }

    /// What Jira lists for `instance`, read again when older than [`REFRESH_MS`]. Empty
    /// without credentials or in push-only mode; when Jira cannot be asked, the last listing
    /// (if any) is used and the failure logged.
    pub async fn listed(&self, instance: &InstanceRecordV1, auth: Option<&JiraAuth>) -> Vec<CatalogEntry> {
        let Some(auth) = auth.filter(|_| self.client.may_call()) else { return Vec::new() };
        let id = instance.id.as_str();
        let now = now_ms();
        if let Some(fresh) = self.cached(id, |l| now < l.read_at_ms.saturating_add(REFRESH_MS)) {
            return fresh;
        }
        let cloud = instance.instance_type == InstanceType::Cloud;
        match listed_names(&self.client, id, cloud, auth).await {
            Ok(names) => {
                let entries: Vec<CatalogEntry> = names
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
                let listing = Listing { read_at_ms: now, entries: entries.clone() };
                self.listings.lock().unwrap_or_else(|p| p.into_inner()).insert(id.to_string(), listing);
                entries
            }
            Err(e) => {
                tracing::warn!(instance = %instance.id, error = %e, "Jira could not list names for the catalogue");
                self.cached(id, |_| true).unwrap_or_default()
            }
        }
    }

    fn cached(&self, id: &str, usable: impl Fn(&Listing) -> bool) -> Option<Vec<CatalogEntry>> {
        let listings = self.listings.lock().unwrap_or_else(|p| p.into_inner());
        listings.get(id).filter(|l| usable(l)).map(|l| l.entries.clone())
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
