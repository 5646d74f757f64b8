//! Loading a backup into a new sled database directory, used by the restore.
//!
//! The entries go in as they were exported, `meta` included, so a backup of an older
//! schema is migrated by the next [`Store::open`](crate::store::Store::open) like any older
//! store. The caller verifies the file first ([`super::verify_backup`]): entries are
//! written before the checksum at the end is read.

use std::io::Read;
use std::path::Path;

use super::{check_schema, count, BackupError, BackupReader, BackupSummary, Item, ID_FLOOR_KEY};
use crate::store::schema::META;
use crate::store::StoreError;

/// Entries written per sled batch.
const BATCH: usize = 1000;

/// Imports the backup read from `input` into a new database at `db_dir` (which must not
/// hold a database yet) and flushes it.
pub fn import_into(input: impl Read, db_dir: &Path) -> Result<BackupSummary, BackupError> {
    let (mut reader, header) = BackupReader::open(input)?;
    check_schema(&header)?;
    let db = sled::Config::new()
        .path(db_dir)
        .create_new(true)
        .open()
        .map_err(|source| StoreError::Open { path: db_dir.to_path_buf(), source })?;
    let mut summary = BackupSummary { header, trees: Vec::new(), master_key: None };
    let mut tree: Option<sled::Tree> = None;
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    while let Some(item) = reader.next_item()? {
        match &item {
            Item::Tree(name) => {
                apply(tree.as_ref(), &mut batch, &mut pending)?;
                check_tree_name(name)?;
                tree = Some(db.open_tree(name)?);
            }
            Item::Entry(key, value) => {
                batch.insert(key.as_slice(), value.as_slice());
                pending += 1;
                if pending >= BATCH {
                    apply(tree.as_ref(), &mut batch, &mut pending)?;
                }
            }
            Item::MasterKey(_) => {}
        }
        count(&mut summary, item)?;
    }
    apply(tree.as_ref(), &mut batch, &mut pending)?;
    db.open_tree(META)?.insert(ID_FLOOR_KEY, &summary.header.id_floor.to_be_bytes())?;
    db.flush()?;
    Ok(summary)
}

fn apply(tree: Option<&sled::Tree>, batch: &mut sled::Batch, pending: &mut usize) -> Result<(), BackupError> {
    if *pending == 0 {
        return Ok(());
    }
    let tree = tree.ok_or_else(|| BackupError::Corrupt("an entry comes before any tree".into()))?;
    tree.apply_batch(std::mem::take(batch))?;
    *pending = 0;
    Ok(())
}

/// Tree names are ours (`key_value`); anything else means a damaged or foreign file.
fn check_tree_name(name: &str) -> Result<(), BackupError> {
    let plausible = !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.starts_with('_');
    if plausible {
        Ok(())
    } else {
        Err(BackupError::Corrupt(format!("it names a tree {name:?}, which jirabridge never uses")))
    }
}
