//! Schema version check at open, and the place where migrations between versions live.

use std::path::Path;

use super::codec;
use super::outbox_copy::COPIED_THROUGH_KEY;
use super::schema::{self, META, SCHEMA_VERSION};
use super::StoreError;

pub(super) const SCHEMA_KEY: &[u8] = b"schema_version";

/// Refuses a newer database, migrates an older one step by step, stamps a new one.
pub(super) fn check_and_migrate(db: &sled::Db, path: &Path) -> Result<(), StoreError> {
    let meta = db.open_tree(META)?;
    let found = match meta.get(SCHEMA_KEY)? {
        Some(bytes) => parse_version(&bytes)?,
        None => {
            meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
            return Ok(());
        }
    };
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found, known: SCHEMA_VERSION });
    }
    for from in found..SCHEMA_VERSION {
        migrate_step(db, from)?;
        meta.insert(SCHEMA_KEY, &(from + 1).to_be_bytes())?;
    }
    Ok(())
}

pub(super) fn parse_version(bytes: &[u8]) -> Result<u32, StoreError> {
    let array: [u8; 4] = bytes.try_into().map_err(|_| StoreError::Codec("meta.schema_version is not a u32".into()))?;
    Ok(u32::from_be_bytes(array))
}

/// One migration from `from` to `from + 1`, run at open before any tree is used (also on
/// a restored backup of an older schema).
///
/// To change the layout: bump `schema::SCHEMA_VERSION`, add an arm here that calls a
/// function of its own (`1 => v1_to_v2(db)`), and add a fixture made by the new version in
/// `tests/fixtures/store/` while keeping the old ones: the upgrade test restores each with
/// the new binary. A record that only changes shape gets a new version, converted on read
/// (see `records`), and needs no step here.
fn migrate_step(db: &sled::Db, from: u32) -> Result<(), StoreError> {
    match from {
        1 => v1_to_v2(db),
        // Schema 3 writes events at record version 3 (raw body compressed) and reads
        // versions 1 and 2 as they are, so nothing is converted. The version exists so
        // that an older jirabridge refuses this store, and its backups, as too new instead
        // of failing on records it cannot read.
        2 => Ok(()),
        3 => v3_to_v4(db),
        4 => v4_to_v5(db),
        // Schema 6 seals secrets bound to their records (record version 2, see `sealed`).
        // Version 1 records still read and are resealed at start, once the key is known;
        // the version exists so that an older jirabridge refuses this store as too new.
        5 => Ok(()),
        other => Err(StoreError::Codec(format!("no migration from schema {other}"))),
    }
}

/// Schema 2 stores each webhook as one record (event, dedup keys and first deliveries
/// together). The version 1 events keep their shape, and their deliveries are already in
/// the outbox, so the copy mark starts after the last of them; the time index and the dedup
/// tree are dropped (event ids give the time order; dedup keys of version 1 events are not
/// kept, so a webhook repeated across this upgrade is stored again).
fn v1_to_v2(db: &sled::Db) -> Result<(), StoreError> {
    let events = db.open_tree(schema::EVENTID_EVENT)?;
    if let Some((last, _)) = events.last()? {
        db.open_tree(META)?.insert(COPIED_THROUGH_KEY, last)?;
    }
    db.drop_tree(schema::RETIRED_RECEIVEDAT_EVENTID)?;
    db.drop_tree(schema::RETIRED_DEDUPKEY_EVENTID)?;
    Ok(())
}

/// Schema 4 adds the lane index: every unfinished delivery (the due index holds exactly
/// those, with their lanes) by lane and id.
fn v3_to_v4(db: &sled::Db) -> Result<(), StoreError> {
    let due = db.open_tree(schema::RETIRED_DUEAT_DELIVERYID)?;
    let lanes = db.open_tree(schema::LANE_DELIVERYID)?;
    for entry in due.iter() {
        let (key, lane) = entry?;
        let Some((due_at, id)) = codec::split_pair_key(&key) else { continue };
        lanes.insert(codec::lane_key(&lane, id), &due_at.to_be_bytes())?;
    }
    Ok(())
}

/// Schema 5 drops the due-time index: the lane index holds the same deliveries with their
/// due times, and writing both cost every delivery outcome a multi-tree transaction.
fn v4_to_v5(db: &sled::Db) -> Result<(), StoreError> {
    db.drop_tree(schema::RETIRED_DUEAT_DELIVERYID)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db() -> (tempfile::TempDir, sled::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).temporary(true).open().unwrap();
        (dir, db)
    }

    #[test]
    fn stamps_new_database_and_accepts_it_again() {
        let (dir, db) = temp_db();
        check_and_migrate(&db, dir.path()).unwrap();
        check_and_migrate(&db, dir.path()).unwrap();
        let meta = db.open_tree(META).unwrap();
        assert_eq!(parse_version(&meta.get(SCHEMA_KEY).unwrap().unwrap()).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_schema_3_store_gets_its_lane_index_and_loses_the_due_index() {
        let (dir, db) = temp_db();
        db.open_tree(META).unwrap().insert(SCHEMA_KEY, &3u32.to_be_bytes()).unwrap();
        let due = db.open_tree(schema::RETIRED_DUEAT_DELIVERYID).unwrap();
        due.insert(codec::pair_key(500, 7), b"lane-a".as_slice()).unwrap();
        check_and_migrate(&db, dir.path()).unwrap();
        let lanes = db.open_tree(schema::LANE_DELIVERYID).unwrap();
        let entry = lanes.get(codec::lane_key(b"lane-a", 7)).unwrap().unwrap();
        assert_eq!(codec::read_u64(&entry), Some(500));
        let names: Vec<Vec<u8>> = db.tree_names().into_iter().map(|n| n.to_vec()).collect();
        assert!(!names.contains(&schema::RETIRED_DUEAT_DELIVERYID.as_bytes().to_vec()), "due index dropped");
    }

    #[test]
    fn refuses_a_newer_database() {
        let (dir, db) = temp_db();
        let meta = db.open_tree(META).unwrap();
        meta.insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()).unwrap();
        let err = check_and_migrate(&db, dir.path()).unwrap_err();
        assert!(err.to_string().contains("newer jirabridge"), "{err}");
    }
}
