//! `jirabridge backup` while the server runs (through the control socket) and `restore`
//! into a fresh store: every tree comes back equal, also under concurrent webhooks; restore
//! refuses a running server, damaged files and a store that holds data.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};

use jirabridge::store::{MasterKey, TreeContents};

use crate::support::app::spawn_app;
use crate::support::commands::{assert_refused, config_for, jirabridge, jirabridge_async, open_store, stderr, stdout};
use crate::support::fixtures::own;
use crate::support::sample_store::{self, assert_filled};

/// Tree contents without `meta.id_floor`, which a restore adds.
fn comparable(mut contents: TreeContents) -> TreeContents {
    contents.get_mut("meta").unwrap().retain(|(key, _)| key.as_slice() != b"id_floor");
    contents
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_the_running_server_restores_into_an_equal_store() {
    let app = spawn_app().await;
    let data = app.data_dir.path().to_path_buf();
    let key = MasterKey::load_or_create(&data).unwrap();
    // Now, so that the retention sweep at start-up leaves the events alone.
    sample_store::fill(&app.state.store, &key, jirabridge::utc::now_ms());
    assert_eq!(app.post_legacy(own("cloud-issue-created.json")).await.status(), 200);
    app.deliver().await;

    let socket = data.join("control.sock");
    assert!(std::fs::symlink_metadata(&socket).unwrap().file_type().is_socket());
    assert_eq!(mode(&socket), 0o600, "only the service user and root may connect");

    let work = tempfile::tempdir().unwrap();
    let running = config_for(work.path(), &data);
    let file = work.path().join("jirabridge.backup");
    let file_arg = file.to_str().unwrap();
    let made = jirabridge_async(&running, &["backup", "--output", file_arg, "--include-key"], "").await;
    assert!(made.status.success(), "{}", stderr(&made));
    assert!(stdout(&made).contains("by the running jirabridge"), "{}", stdout(&made));
    assert_eq!(mode(&file), 0o600);
    let expected = app.state.store.tree_contents().unwrap();

    let refused = jirabridge_async(&running, &["restore", file_arg], "").await;
    assert_refused(&refused, "stop it first");

    let restored_dir = work.path().join("restored");
    let fresh = config_for(work.path(), &restored_dir);
    let restored = jirabridge_async(&fresh, &["restore", file_arg], "").await;
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(stdout(&restored).contains("master key restored"), "{}", stdout(&restored));
    let store = open_store(&restored_dir);
    assert_eq!(comparable(store.tree_contents().unwrap()), comparable(expected));
    assert_filled(&store, &MasterKey::load_or_create(&restored_dir).unwrap());
    assert!(store.event_count() >= 3, "the webhook's event too");

    let data_dir = app.stop_keeping_data().await;
    assert!(!data_dir.path().join("control.sock").exists(), "a clean stop removes the socket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_webhook_load_holds_whole_changes_only() {
    let app = spawn_app().await;
    let work = tempfile::tempdir().unwrap();
    let running = config_for(work.path(), app.data_dir.path());
    let file = work.path().join("under-load.backup");
    let file_arg = file.to_str().unwrap().to_string();
    let template = String::from_utf8(own("cloud-issue-created.json")).unwrap();
    let load = async {
        for n in 0..40 {
            let body = template.replace("OPS-12", &format!("LOAD-{n}")).replace("20017", &format!("9{n}"));
            assert_eq!(app.post_legacy(body).await.status(), 200);
        }
    };
    let args = ["backup", "--output", file_arg.as_str()];
    let (made, ()) = tokio::join!(jirabridge_async(&running, &args, ""), load);
    assert!(made.status.success(), "{}", stderr(&made));

    let restored_dir = work.path().join("restored");
    let restored = jirabridge(&config_for(work.path(), &restored_dir), &["restore", &file_arg], "");
    assert!(restored.status.success(), "{}", stderr(&restored));
    let contents = open_store(&restored_dir).tree_contents().unwrap();
    let count = |tree: &str| contents[tree].len();
    // Each legacy webhook is one event record holding its delivery, written in one insert;
    // a delivery the backup caught before its copy into the outbox is copied when the
    // restored store opens. Either way every event has its pending delivery.
    assert_eq!(count("deliveryid_delivery"), count("eventid_event"));
    assert_eq!(count("lane_deliveryid"), count("eventid_event"));
    app.shutdown().await;
}

/// A valid backup to damage: the committed upgrade fixture.
fn fixture_bytes() -> Vec<u8> {
    std::fs::read(crate::store_upgrade::fixture_path(1)).unwrap()
}

#[test]
fn restore_refuses_foreign_and_damaged_files_with_a_reason() {
    let work = tempfile::tempdir().unwrap();
    let config = config_for(work.path(), &work.path().join("data"));
    let good = fixture_bytes();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("foreign.json", br#"{"not":"a backup"}"#.to_vec(), "not a jirabridge backup"),
        ("cut.backup", good[..good.len() / 2].to_vec(), "incomplete"),
        ("flipped.backup", flip_last_value_byte(&good), "damaged"),
        ("empty.backup", Vec::new(), "not a jirabridge backup"),
    ];
    for (name, bytes, reason) in cases {
        let file = work.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let refused = jirabridge(&config, &["restore", file.to_str().unwrap()], "");
        assert_refused(&refused, reason);
        assert!(!work.path().join("data/db").exists(), "{name}: nothing restored");
    }
    let missing = jirabridge(&config, &["restore", work.path().join("nope").to_str().unwrap()], "");
    assert_refused(&missing, "cannot open");
}

/// The byte just before the 33-byte end marker and checksum: inside the last value.
fn flip_last_value_byte(good: &[u8]) -> Vec<u8> {
    let mut bytes = good.to_vec();
    let at = bytes.len() - 34;
    bytes[at] ^= 0x01;
    bytes
}

#[test]
fn restore_over_data_needs_force_and_moves_the_old_store_aside() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let config = config_for(work.path(), &data);
    let file = work.path().join("fixture.backup");
    std::fs::write(&file, fixture_bytes()).unwrap();
    let file = file.to_str().unwrap();
    assert!(jirabridge(&config, &["restore", file], "").status.success());
    assert_refused(&jirabridge(&config, &["restore", file], ""), "--force");

    let forced = jirabridge(&config, &["restore", file, "--force"], "");
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(stdout(&forced).contains("moved aside"), "{}", stdout(&forced));
    let aside: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("db.before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1, "the old store is kept");
    let store = open_store(&data);
    assert_filled(&store, &MasterKey::load_or_create(&data).unwrap());
}
