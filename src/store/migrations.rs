//! Schema version check at open, and the place where migrations between versions live.

use std::path::Path;

use super::schema::{META, SCHEMA_VERSION};
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
/// a restored backup of an older schema). Version 1 is the first layout, so there is no
/// step yet.
///
/// To change the layout: bump `schema::SCHEMA_VERSION`, add an arm here that calls a
/// function of its own (`1 => v1_to_v2(db)`), and add a fixture made by the new version in
/// `tests/fixtures/store/` while keeping the old ones: the upgrade test restores each with
/// the new binary. A record that only changes shape gets a new version, converted on read
/// (see `records`), and needs no step here.
fn migrate_step(_db: &sled::Db, from: u32) -> Result<(), StoreError> {
    #[allow(clippy::match_single_binding)] // one arm per schema step goes above `other`
    match from {
        other => Err(StoreError::Codec(format!("no migration from schema {other}"))),
    }
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
    fn refuses_a_newer_database() {
        let (dir, db) = temp_db();
        let meta = db.open_tree(META).unwrap();
        meta.insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()).unwrap();
        let err = check_and_migrate(&db, dir.path()).unwrap_err();
        assert!(err.to_string().contains("newer jirabridge"), "{err}");
    }
}
