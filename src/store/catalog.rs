//! The names of an instance's Jira things as learned from the payloads it sent (SPEC §6.9):
//! `catalog_entry` keeps, per instance, kind and id, the name last seen, the project (for
//! components and versions) and when. Outside event retention, so names stay after events
//! go. `meta.catalog_learned_through` is the last event learned from; learning is idempotent,
//! so after a crash an event is simply learned again.

use serde::{Deserialize, Serialize};

use super::codec::{self, u64_key};
use super::{Store, StoreError};

const LEARNED_THROUGH_KEY: &[u8] = b"catalog_learned_through";
/// A name seen again within this is not written again (saves a write per webhook).
const REFRESH_AFTER_MS: u64 = 3600 * 1000;

/// One name in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// `projects`, `issue_types`, `priorities`, `statuses`, `components`, `versions`,
    /// `labels`, `fields` or `security_levels`.
    pub kind: String,
    pub id: String,
    pub name: String,
    pub project: Option<String>,
    /// When Jira last listed it, or a payload last showed it.
    pub last_seen_ms: u64,
    /// Listed by Jira's REST API (with credentials), not learned from a payload; never stored.
    #[serde(default)]
    pub listed_by_jira: bool,
}

/// As stored (the kind and id are in the key). Version 1.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct CatalogRecordV1 {
    name: String,
    project: Option<String>,
    last_seen_ms: u64,
}

const VERSION: u16 = 1;

fn key(instance_id: &str, kind: &str, id: &str) -> Vec<u8> {
    [instance_id.as_bytes(), kind.as_bytes(), id.as_bytes()].join(&0u8)
}

impl Store {
    /// The last event learned from (0 before any).
    pub fn catalog_learned_through(&self) -> Result<u64, StoreError> {
        Ok(self.trees().meta.get(LEARNED_THROUGH_KEY)?.and_then(|b| codec::read_u64(&b)).unwrap_or(0))
    }

    /// Keeps what `event_id` showed of `instance_id`, then moves the mark to it. A name
    /// already known, unchanged and seen within the hour, is not written again.
    pub fn learn_catalog(&self, instance_id: &str, entries: &[CatalogEntry], event_id: u64) -> Result<(), StoreError> {
        let tree = &self.trees().catalog_entry;
        let _gate = self.write_gate()?;
        for entry in entries {
            let key = key(instance_id, &entry.kind, &entry.id);
            let known = tree.get(&key)?.and_then(|b| codec::decode::<CatalogRecordV1>(VERSION, &b).ok());
            let fresh = known.is_some_and(|k| {
                k.name == entry.name
                    && k.project == entry.project
                    && entry.last_seen_ms < k.last_seen_ms + REFRESH_AFTER_MS
            });
            if !fresh {
                let record = CatalogRecordV1 {
                    name: entry.name.clone(),
                    project: entry.project.clone(),
                    last_seen_ms: entry.last_seen_ms,
                };
                tree.insert(key, codec::encode(VERSION, &record)?)?;
            }
        }
        if event_id > self.catalog_learned_through()? {
            self.trees().meta.insert(LEARNED_THROUGH_KEY, &u64_key(event_id))?;
        }
        Ok(())
    }

    /// Everything learned of `instance_id`.
    pub fn catalog(&self, instance_id: &str) -> Result<Vec<CatalogEntry>, StoreError> {
        let mut prefix = instance_id.as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        for item in self.trees().catalog_entry.scan_prefix(&prefix) {
            let (key, value) = item?;
            let rest = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let Some((kind, id)) = rest.split_once('\0') else { continue };
            let record: CatalogRecordV1 = codec::decode(VERSION, &value)?;
            out.push(CatalogEntry {
                kind: kind.to_string(),
                id: id.to_string(),
                name: record.name,
                project: record.project,
                last_seen_ms: record.last_seen_ms,
                listed_by_jira: false,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, id: &str, name: &str, at: u64) -> CatalogEntry {
        CatalogEntry {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            project: None,
            last_seen_ms: at,
            listed_by_jira: false,
        }
    }

    #[test]
    fn names_are_kept_per_instance_and_renamed_when_jira_renames_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        store.learn_catalog("https://a", &[entry("priorities", "2", "High", 10)], 5).unwrap();
        store.learn_catalog("https://b", &[entry("priorities", "2", "Urgent", 10)], 6).unwrap();
        store.learn_catalog("https://a", &[entry("priorities", "2", "Highest", 20)], 7).unwrap();
        assert_eq!(store.catalog("https://a").unwrap(), [entry("priorities", "2", "Highest", 20)]);
        assert_eq!(store.catalog("https://b").unwrap()[0].name, "Urgent");
        assert_eq!(store.catalog_learned_through().unwrap(), 7);
    }
}
