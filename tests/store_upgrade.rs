//! Upgrade safety (issue #7): a backup written by an older jirabridge, kept in
//! `tests/fixtures/store/`, restores with this binary and its records read back. When a
//! record or the schema changes version, this test must keep passing through the
//! migrations and record conversions; never regenerate an old fixture to make it pass.

use std::path::PathBuf;

use jirabridge::store::backup::verify_backup;
use jirabridge::store::{MasterKey, Store};

use crate::support::commands::{config_for, jirabridge, open_store, stderr};
use crate::support::sample_store;

/// The backup made by the jirabridge of store schema 1 (see tests/fixtures/store/README.md).
pub fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store/schema-1.backup")
}

#[test]
fn a_schema_1_backup_restores_and_every_record_reads() {
    let bytes = std::fs::read(fixture_path()).unwrap();
    let header = verify_backup(bytes.as_slice()).unwrap().header;
    assert_eq!((header.schema_version, header.includes_key), (1, true));

    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let restored = jirabridge(&config_for(work.path(), &data), &["restore", fixture_path().to_str().unwrap()], "");
    assert!(restored.status.success(), "{}", stderr(&restored));
    let store = open_store(&data);
    sample_store::assert_filled(&store, &MasterKey::load_or_create(&data).unwrap());
}

/// The way the fixture was made, run every time: the sample store, backed up with
/// `--include-key`, restores into a fresh directory and reads back. With
/// `JIRABRIDGE_WRITE_STORE_FIXTURE=1` (and only under schema 1, the fixture's schema) the
/// backup is also written over `schema-1.backup`; see tests/fixtures/store/README.md.
#[test]
fn the_sample_store_backs_up_and_restores_as_the_fixture_was_made() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    {
        let store = Store::open(&data, &Default::default()).unwrap();
        let key = MasterKey::load_or_create(&data).unwrap();
        sample_store::fill(&store, &key, 1_700_000_000_000);
    }
    let write_fixture = std::env::var_os("JIRABRIDGE_WRITE_STORE_FIXTURE").is_some();
    if write_fixture {
        assert_eq!(jirabridge::store::schema::SCHEMA_VERSION, 1, "schema 1's fixture must stay as it was made");
    }
    let output = if write_fixture { fixture_path() } else { work.path().join("fresh.backup") };
    let config = config_for(work.path(), &data);
    let made = jirabridge(&config, &["backup", "--include-key", "--output", output.to_str().unwrap()], "");
    assert!(made.status.success(), "{}", stderr(&made));

    let again = work.path().join("again");
    let restored = jirabridge(&config_for(work.path(), &again), &["restore", output.to_str().unwrap()], "");
    assert!(restored.status.success(), "{}", stderr(&restored));
    sample_store::assert_filled(&open_store(&again), &MasterKey::load_or_create(&again).unwrap());
}
