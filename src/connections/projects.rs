//! Each connection's projects, for the create form (SPEC §10.1: the form must open within
//! Mattermost's 30 s, and the plugin keeps a per-user list refreshed in the background). A
//! list younger than [`FRESH_FOR_MS`] is used as it is; an older one is used at once while
//! one background read replaces it; only a connection with no list yet waits for Jira. A
//! large Cloud site takes many pages to list, so waiting on every expiry would push the form
//! past its window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Acting, Connections};
use crate::ids::InstanceType;
use crate::jira::client::JiraError;
use crate::jira::rest;
use crate::utc::now_ms;

/// How long a list is used before Jira is asked again.
const FRESH_FOR_MS: u64 = 10 * 60_000;

/// A connection's list: when it was read, the projects, and whether a read is under way.
#[derive(Clone)]
pub(super) struct Listed {
    read_at_ms: u64,
    projects: Vec<rest::Project>,
    refreshing: bool,
}

/// Projects by connection (`instance\0user`).
pub(super) type ProjectCache = Arc<Mutex<HashMap<String, Listed>>>;

/// What to do for a caller's list.
#[derive(Debug, PartialEq)]
enum Use {
    /// Fresh, or stale with a read already under way: use it.
    Remembered,
    /// Stale: use it and start a read.
    RememberedAndRefresh,
    /// None yet: read it now.
    Read,
}

fn decide(listed: Option<&Listed>, now_ms: u64) -> Use {
    match listed {
        None => Use::Read,
        Some(l) if l.refreshing || now_ms.saturating_sub(l.read_at_ms) < FRESH_FOR_MS => Use::Remembered,
        Some(_) => Use::RememberedAndRefresh,
    }
}

/// Keeps what a read of `key`'s list found. A background read (`refresh`) replaces only a
/// list still waiting for it: one dropped meanwhile (a reconnect as another Jira account)
/// stays dropped.
fn store(cache: &ProjectCache, key: String, result: &Result<Vec<rest::Project>, JiraError>, refresh: bool) {
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if refresh && !cache.get(&key).is_some_and(|listed| listed.refreshing) {
        return;
    }
    match result {
        Ok(projects) => {
            drop(cache.insert(key, Listed { read_at_ms: now_ms(), projects: projects.clone(), refreshing: false }))
        }
        // Credentials Jira refuses: the list goes, and the next use says so.
        Err(JiraError::Unauthorized) => drop(cache.remove(&key)),
        // The older list stays; the next use starts another read.
        Err(_) => {
            if let Some(listed) = cache.get_mut(&key) {
                listed.refreshing = false;
            }
        }
    }
}

impl Connections {
    /// The projects the caller may create issues in (see the module's rules).
    pub(super) async fn projects_of(&self, acting: &Acting) -> Result<Vec<rest::Project>, JiraError> {
        let key = format!("{}\0{}", acting.instance.id, acting.connection.mm_user_id);
        let remembered = {
            let mut cache = self.projects.lock().unwrap_or_else(|p| p.into_inner());
            let listed = cache.get_mut(&key);
            let decision = decide(listed.as_deref(), now_ms());
            match (decision, listed) {
                (Use::Read, _) | (_, None) => None,
                (Use::Remembered, Some(listed)) => return Ok(listed.projects.clone()),
                (Use::RememberedAndRefresh, Some(listed)) => {
                    listed.refreshing = true;
                    Some(listed.projects.clone())
                }
            }
        };
        let cloud = acting.instance.instance_type == InstanceType::Cloud;
        let (jira, base, auth, cache) =
            (self.jira.clone(), acting.base.clone(), acting.auth.clone(), self.projects.clone());
        let refresh = remembered.is_some();
        let read = async move {
            let result = rest::projects(&jira, &base, cloud, &auth).await;
            store(&cache, key, &result, refresh);
            result
        };
        match remembered {
            Some(projects) => {
                tokio::spawn(read);
                Ok(projects)
            }
            None => read.await,
        }
    }

    /// Drops `user`'s list for `instance_id` (a new connection may be another Jira account).
    pub(super) fn forget_projects(&self, user: &str, instance_id: &str) {
        self.projects.lock().unwrap_or_else(|p| p.into_inner()).remove(&format!("{instance_id}\0{user}"));
    }

    /// The numeric id of the project with `key`, for Jira's own create page, which takes
    /// only that; the key itself when the list does not know it.
    pub(super) async fn project_id(&self, acting: &Acting, key: &str) -> String {
        let projects = self.projects_of(acting).await.unwrap_or_default();
        let found = projects.into_iter().find(|p| p.key == key && !p.id.is_empty());
        found.map_or_else(|| key.to_string(), |p| p.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(read_at_ms: u64, refreshing: bool) -> Listed {
        Listed { read_at_ms, projects: Vec::new(), refreshing }
    }

    #[test]
    fn a_stale_list_is_used_at_once_and_read_again_once() {
        let now = 100 * 60_000;
        assert_eq!(decide(None, now), Use::Read, "the first list is waited for");
        assert_eq!(decide(Some(&listed(now - 60_000, false)), now), Use::Remembered);
        assert_eq!(decide(Some(&listed(now - FRESH_FOR_MS, false)), now), Use::RememberedAndRefresh);
        assert_eq!(decide(Some(&listed(0, true)), now), Use::Remembered, "one read at a time");
    }

    #[test]
    fn a_failed_read_keeps_the_older_list_and_allows_another() {
        let cache: ProjectCache = Arc::default();
        cache.lock().unwrap().insert("k".into(), listed(5, true));
        store(&cache, "k".into(), &Err(JiraError::Unreachable("down".into())), true);
        let kept = cache.lock().unwrap()["k"].clone();
        assert_eq!((kept.read_at_ms, kept.refreshing), (5, false));
        cache.lock().unwrap().get_mut("k").unwrap().refreshing = true;
        store(&cache, "k".into(), &Err(JiraError::Unauthorized), true);
        assert!(cache.lock().unwrap().is_empty(), "refused credentials: the next use asks Jira and says so");
        // A refresh finishing after its list was dropped (a reconnect) leaves it dropped.
        store(&cache, "k".into(), &Ok(Vec::new()), true);
        assert!(cache.lock().unwrap().is_empty());
        store(&cache, "k".into(), &Ok(Vec::new()), false);
        assert_eq!(cache.lock().unwrap().len(), 1, "a first read is kept");
    }
}
