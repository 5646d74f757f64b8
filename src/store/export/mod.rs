//! Backups of the whole store: a consistent export of every tree, and the import that a
//! restore uses. The file format is in `format`; the restore procedure (where files go,
//! the master key, `--force`) is in the top-level `backup` module.
//!
//! **Why a backup is consistent:** [`Store::write_backup`] holds the write gate
//! exclusively while it reads the trees. Every change to the store (the ingest writer's
//! batch transaction, delivery updates, admin edits, sweeps, secrets, audit entries) holds
//! the gate shared for its whole transaction, so the export waits for the changes in
//! progress and no change starts until it is done. The backup is therefore the state
//! between two changes: an event is there with all its deliveries and index entries, or
//! not at all. Webhooks that arrive meanwhile queue in the ingest writer and are answered
//! once the export ends; nothing is lost or acknowledged early.

mod format;
mod import;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::schema::{self, SCHEMA_VERSION};
use super::{migrations, Store, StoreError};

pub use format::{BackupReader, Item, FORMAT_VERSION};
pub use import::import_into;

/// Every tree's raw `(key, value)` entries, by tree name.
pub type TreeContents = BTreeMap<String, Vec<(Vec<u8>, Vec<u8>)>>;

pub(super) const ID_FLOOR_KEY: &[u8] = b"id_floor";

/// What a backup file says about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupHeader {
    /// `meta.schema_version` of the store it was taken from.
    pub schema_version: u32,
    pub created_at_ms: u64,
    /// The jirabridge version that wrote it.
    pub jirabridge_version: String,
    /// Whether it holds `master.key` (made with `--include-key`).
    pub includes_key: bool,
    /// Every id in the backup is below this; a restored store hands out ids above it.
    pub id_floor: u64,
}

/// The content of a master key file taken from a backup. `Debug` never shows it.
#[derive(Clone, PartialEq)]
pub struct KeyText(pub String);

impl std::fmt::Debug for KeyText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyText(***)")
    }
}

/// What a backup held, counted while it was written or read.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    pub header: BackupHeader,
    /// Entries per tree, in file order.
    pub trees: Vec<(String, u64)>,
    pub master_key: Option<KeyText>,
}

impl BackupSummary {
    pub fn entries(&self) -> u64 {
        self.trees.iter().map(|(_, n)| n).sum()
    }
}

/// Reading, writing or checking a backup failed. The messages are for operators.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("this is not a jirabridge backup (it does not start with \"jirabridge backup\")")]
    NotABackup,
    #[error("this backup was written by a newer jirabridge (backup format {found}, this binary reads up to {known}); restore it with that version or a newer one")]
    NewerFormat { found: u32, known: u32 },
    #[error("this backup holds a newer store (schema {found}, this binary knows up to {known}); restore it with the jirabridge version that made it, or a newer one")]
    NewerSchema { found: u32, known: u32 },
    #[error(
        "the backup is incomplete: it ends before its end marker (was it cut short, or copied while being written?)"
    )]
    Truncated,
    #[error("the backup is damaged: {0}")]
    Corrupt(String),
    #[error("the backup is damaged: its checksum does not match its content")]
    Checksum,
    #[error("reading or writing the backup failed: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sled::Error> for BackupError {
    fn from(e: sled::Error) -> Self {
        BackupError::Store(StoreError::Sled(e))
    }
}

/// Reads a whole backup without storing anything: checks the format, the schema version
/// and the checksum, and counts the entries.
pub fn verify_backup(input: impl Read) -> Result<BackupSummary, BackupError> {
    let (mut reader, header) = BackupReader::open(input)?;
    check_schema(&header)?;
    let mut summary = BackupSummary { header, trees: Vec::new(), master_key: None };
    while let Some(item) = reader.next_item()? {
        count(&mut summary, item)?;
    }
    Ok(summary)
}

pub(super) fn check_schema(header: &BackupHeader) -> Result<(), BackupError> {
    if header.schema_version > SCHEMA_VERSION {
        return Err(BackupError::NewerSchema { found: header.schema_version, known: SCHEMA_VERSION });
    }
    Ok(())
}

pub(super) fn count(summary: &mut BackupSummary, item: Item) -> Result<(), BackupError> {
    match item {
        Item::Tree(name) => summary.trees.push((name, 0)),
        Item::Entry(..) => match summary.trees.last_mut() {
            Some((_, n)) => *n += 1,
            None => return Err(BackupError::Corrupt("an entry comes before any tree".into())),
        },
        Item::MasterKey(text) => summary.master_key = Some(KeyText(text)),
    }
    Ok(())
}

/// The id floor a restore recorded in `meta` (0 when the store was never restored).
pub(super) fn read_id_floor(meta: &sled::Tree) -> Result<u64, StoreError> {
    match meta.get(ID_FLOOR_KEY)? {
        None => Ok(0),
        Some(bytes) => {
            super::codec::read_u64(&bytes).ok_or_else(|| StoreError::Codec("meta.id_floor is not a u64".into()))
        }
    }
}

impl Store {
    /// Writes a consistent backup of every tree to `out` (see the module header for why it
    /// is consistent). Changes wait while it runs, so `out` should be fast: a local file,
    /// or a socket whose writes time out.
    pub fn write_backup(
        &self,
        out: impl Write,
        master_key: Option<&KeyText>,
        now_ms: u64,
    ) -> Result<BackupSummary, BackupError> {
        let _no_changes = self.inner.gate.exclusive();
        // Drawn under the gate: ids drawn later belong to changes that are not in the backup.
        let id_floor = self.next_id()?;
        let schema_version = match self.trees().meta.get(migrations::SCHEMA_KEY)? {
            Some(bytes) => migrations::parse_version(&bytes)?,
            None => SCHEMA_VERSION,
        };
        let header = BackupHeader {
            schema_version,
            created_at_ms: now_ms,
            jirabridge_version: env!("CARGO_PKG_VERSION").into(),
            includes_key: master_key.is_some(),
            id_floor,
        };
        let mut summary = BackupSummary { header: header.clone(), trees: Vec::new(), master_key: None };
        let mut writer = format::FrameWriter::start(out, &header)?;
        for name in schema::TREES {
            writer.tree(name)?;
            let mut entries = 0;
            for entry in self.inner.db.open_tree(name)?.iter() {
                let (key, value) = entry?;
                writer.entry(&key, &value)?;
                entries += 1;
            }
            summary.trees.push((name.to_string(), entries));
        }
        if let Some(key) = master_key {
            writer.master_key(&key.0)?;
            summary.master_key = Some(key.clone());
        }
        writer.finish()?;
        Ok(summary)
    }

    /// Every tree's raw entries, by tree name (to compare two stores, e.g. after a restore).
    pub fn tree_contents(&self) -> Result<TreeContents, StoreError> {
        let mut out = BTreeMap::new();
        for name in schema::TREES {
            let tree = self.inner.db.open_tree(name)?;
            let entries = tree.iter().map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec()))).collect::<Result<_, _>>()?;
            out.insert(name.to_string(), entries);
        }
        Ok(out)
    }

    /// Whether anything besides `meta` is stored.
    pub fn has_data(&self) -> Result<bool, StoreError> {
        for name in schema::TREES.iter().filter(|name| **name != schema::META) {
            if self.inner.db.open_tree(name)?.first()?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests;
