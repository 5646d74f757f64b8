//! Unit tests of backup and restore: a store written out and read back, and damaged files refused.

use super::*;
use crate::store::records::{InstanceId, InstanceRecordV1, InstanceType};

fn store_with_data() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &Default::default()).unwrap();
    store.ingest(crate::store::test_events::sample_event(1, 1_000, 60_000), vec![]).unwrap();
    let instance = InstanceRecordV1 {
        id: InstanceId::unchecked("https://jira.example.com"),
        instance_type: InstanceType::Server,
        alias: Some("corp".into()),
        is_default: true,
        is_v2_legacy: false,
        created_at_ms: 5,
    };
    store.put_instance(&instance).unwrap();
    (dir, store)
}

fn backup_bytes(store: &Store, key: Option<&KeyText>) -> Vec<u8> {
    let mut bytes = Vec::new();
    store.write_backup(&mut bytes, key, 42).unwrap();
    bytes
}

#[test]
fn a_backup_imports_into_an_equal_store_whose_ids_continue_above_it() {
    let (_dir, store) = store_with_data();
    let key = KeyText("a2V5".into());
    let bytes = backup_bytes(&store, Some(&key));
    let verified = verify_backup(bytes.as_slice()).unwrap();
    assert_eq!(verified.header.created_at_ms, 42);
    assert_eq!(verified.master_key, Some(key));
    assert_eq!(verified.entries(), store.tree_contents().unwrap().values().map(|t| t.len() as u64).sum::<u64>());

    let target = tempfile::tempdir().unwrap();
    let imported = import_into(bytes.as_slice(), &target.path().join("db")).unwrap();
    assert_eq!(imported.trees, verified.trees);
    let restored = Store::open(target.path(), &Default::default()).unwrap();
    let mut expected = store.tree_contents().unwrap();
    let mut actual = restored.tree_contents().unwrap();
    for contents in [&mut expected, &mut actual] {
        contents.get_mut(schema::META).unwrap().retain(|(k, _)| k.as_slice() != ID_FLOOR_KEY);
    }
    assert_eq!(actual, expected);
    assert!(restored.next_id().unwrap() > verified.header.id_floor, "no id is handed out twice");
    assert_eq!(
        restored.instance_id_for_alias("corp").unwrap().as_ref().map(InstanceId::as_str),
        Some("https://jira.example.com")
    );
}

#[test]
fn damaged_truncated_and_foreign_files_are_refused_with_reasons() {
    let (_dir, store) = store_with_data();
    let bytes = backup_bytes(&store, None);
    assert!(matches!(verify_backup(&b"PK\x03\x04 a zip file"[..]), Err(BackupError::NotABackup)));
    assert!(matches!(verify_backup(&b""[..]), Err(BackupError::NotABackup)));
    assert!(matches!(verify_backup(&bytes[..bytes.len() - 10]), Err(BackupError::Truncated)));
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    assert!(verify_backup(flipped.as_slice()).is_err());
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(matches!(verify_backup(extra.as_slice()), Err(BackupError::Corrupt(_))));
    // Every cut is an error, never a panic.
    for len in 0..bytes.len() {
        assert!(verify_backup(&bytes[..len]).is_err(), "cut at {len}");
    }
}

#[test]
fn newer_formats_and_schemas_are_refused() {
    let (_dir, store) = store_with_data();
    let mut bytes = backup_bytes(&store, None);
    bytes[format::MAGIC.len()..format::MAGIC.len() + 4].copy_from_slice(&(FORMAT_VERSION + 1).to_be_bytes());
    let err = verify_backup(bytes.as_slice()).unwrap_err();
    assert!(err.to_string().contains("newer jirabridge"), "{err}");

    let header = BackupHeader {
        schema_version: SCHEMA_VERSION + 1,
        created_at_ms: 1,
        jirabridge_version: "9.9.9".into(),
        includes_key: false,
        id_floor: 1,
    };
    let newer = format::FrameWriter::start(Vec::new(), &header).unwrap().finish().unwrap();
    let err = verify_backup(newer.as_slice()).unwrap_err();
    assert!(matches!(err, BackupError::NewerSchema { .. }), "{err}");
    let target = tempfile::tempdir().unwrap();
    assert!(import_into(newer.as_slice(), &target.path().join("db")).is_err());
}
