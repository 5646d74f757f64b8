//! Upgrade safety (issue #7): a backup written by an older jirabridge, kept in
//! `tests/fixtures/store/`, restores with this binary and its records read back. When a
//! record or the schema changes version, this test must keep passing through the
//! migrations and record conversions; never regenerate an old fixture to make it pass.

use std::path::PathBuf;

use jirabridge::store::export::verify_backup;
use jirabridge::store::{MasterKey, Store};

use crate::support::commands::{config_for, jirabridge, open_store, stderr};
use crate::support::{sample_connected, sample_store};

/// The backup made by the jirabridge of store schema `schema` (see
/// tests/fixtures/store/README.md).
pub fn fixture_path(schema: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/store/schema-{schema}.backup"))
}

/// Restores the fixture of `schema` with this binary and reads every record back.
fn restores_and_reads(schema: u32) {
    let bytes = std::fs::read(fixture_path(schema)).unwrap();
    let header = verify_backup(bytes.as_slice()).unwrap().header;
    assert_eq!((header.schema_version, header.includes_key), (schema, true));

    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let restored =
        jirabridge(&config_for(work.path(), &data), &["restore", fixture_path(schema).to_str().unwrap()], "");
    assert!(restored.status.success(), "{}", stderr(&restored));
    let store = open_store(&data);
    let key = MasterKey::load_or_create(&data).unwrap();
    sample_store::assert_filled(&store, &key);
    // What `serve` does at start: secrets sealed before schema 6 are bound to their records.
    let resealed = store.reseal_old_records(&key).unwrap();
    assert_eq!(resealed > 0, schema < 6, "resealed {resealed} records of a schema {schema} store");
    sample_store::assert_filled(&store, &key);
}

/// Schema 1: separate time index and dedup trees, events at record version 1.
#[test]
fn a_schema_1_backup_restores_and_every_record_reads() {
    restores_and_reads(1);
}

/// Schema 2: events at record version 2, holding their dedup keys and first deliveries.
#[test]
fn a_schema_2_backup_restores_and_every_record_reads() {
    restores_and_reads(2);
}

/// Schema 3: events at record version 3, their raw bodies compressed.
#[test]
fn a_schema_3_backup_restores_and_every_record_reads() {
    restores_and_reads(3);
}

/// Schema 4: the lane index of unfinished deliveries.
#[test]
fn a_schema_4_backup_restores_and_every_record_reads() {
    restores_and_reads(4);
}

/// Schema 5: the due-time index is gone; the lane index alone orders the outbox.
#[test]
fn a_schema_5_backup_restores_and_every_record_reads() {
    restores_and_reads(5);
}

/// Schema 6: secrets sealed with their record as associated data (record version 2).
#[test]
fn a_schema_6_backup_restores_and_every_record_reads() {
    restores_and_reads(6);
}

/// The backup of store schema `schema` that also holds connected mode's records (see
/// tests/fixtures/store/README.md); the first is of schema 6.
pub fn connected_fixture_path(schema: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/store/schema-{schema}-connected.backup"))
}

/// Schema 6 with connected mode's records: sealed connections of every kind with their
/// reverse index, instances' OAuth settings, the RSA key and a `/jira` registration.
#[test]
fn a_schema_6_connected_backup_restores_and_every_record_reads() {
    let fixture = connected_fixture_path(6);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let restored = jirabridge(&config_for(work.path(), &data), &["restore", fixture.to_str().unwrap()], "");
    assert!(restored.status.success(), "{}", stderr(&restored));
    let (store, key) = (open_store(&data), MasterKey::load_or_create(&data).unwrap());
    sample_store::assert_filled(&store, &key);
    sample_connected::assert_filled(&store, &key);
    assert_eq!(store.reseal_old_records(&key).unwrap(), 0, "nothing sealed the old way");
}

/// A sample store made by `fill`, backed up with `--include-key`, restores into a fresh
/// directory and `check` reads it back. With `JIRABRIDGE_WRITE_STORE_FIXTURE=1` the backup
/// is also written to `fixture`, unless that file exists already (an old fixture is never
/// remade); see tests/fixtures/store/README.md.
fn backs_up_and_restores(fixture: PathBuf, fill: fn(&Store, &MasterKey), check: fn(&Store, &MasterKey)) {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    {
        let store = Store::open(&data, &Default::default()).unwrap();
        let key = MasterKey::load_or_create(&data).unwrap();
        fill(&store, &key);
    }
    let write_fixture = std::env::var_os("JIRABRIDGE_WRITE_STORE_FIXTURE").is_some();
    if write_fixture {
        assert!(!fixture.exists(), "{} exists: fixtures stand for data on users' disks", fixture.display());
    }
    let output = if write_fixture { fixture } else { work.path().join("fresh.backup") };
    let config = config_for(work.path(), &data);
    let made = jirabridge(&config, &["backup", "--include-key", "--output", output.to_str().unwrap()], "");
    assert!(made.status.success(), "{}", stderr(&made));

    let again = work.path().join("again");
    let restored = jirabridge(&config_for(work.path(), &again), &["restore", output.to_str().unwrap()], "");
    assert!(restored.status.success(), "{}", stderr(&restored));
    check(&open_store(&again), &MasterKey::load_or_create(&again).unwrap());
}

/// The way the fixtures are made, run every time (see `backs_up_and_restores`).
#[test]
fn the_sample_store_backs_up_and_restores_as_the_fixtures_were_made() {
    let fixture = fixture_path(jirabridge::store::schema::SCHEMA_VERSION);
    backs_up_and_restores(
        fixture,
        |store, key| sample_store::fill(store, key, 1_700_000_000_000),
        sample_store::assert_filled,
    );
}

/// The connected sample, the same way.
#[test]
fn the_connected_sample_backs_up_and_restores_as_its_fixture_was_made() {
    let fixture = connected_fixture_path(jirabridge::store::schema::SCHEMA_VERSION);
    let fill = |store: &Store, key: &MasterKey| {
        sample_store::fill(store, key, 1_700_000_000_000);
        sample_connected::fill(store, key, 1_700_000_000_000);
    };
    let check = |store: &Store, key: &MasterKey| {
        sample_store::assert_filled(store, key);
        sample_connected::assert_filled(store, key);
    };
    backs_up_and_restores(fixture, fill, check);
}
