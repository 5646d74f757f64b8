//! The control socket itself: a stale socket file is replaced at start, the protocol
//! answers sentences, and the commands run as root leave the data directory to its owner.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;

use crate::store_upgrade::fixture_path;
use crate::support::app::spawn_app_with;
use crate::support::commands::{config_for, jirabridge, stderr};

fn ask(socket: &std::path::Path, line: &str) -> serde_json::Value {
    let mut stream = UnixStream::connect(socket).unwrap();
    stream.write_all(line.as_bytes()).unwrap();
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer).unwrap();
    serde_json::from_str(&answer).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_socket_is_replaced_and_requests_get_sentences() {
    let data = tempfile::tempdir().unwrap();
    let socket = data.path().join("control.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap()); // left by a killed server
    let path = data.path().to_path_buf();
    let app = spawn_app_with(move |config| config.store.path = path).await;

    let socket_for_test = socket.clone();
    let answers = tokio::task::spawn_blocking(move || {
        [
            ask(&socket_for_test, "{\"command\":\"ping\"}\n"),
            ask(&socket_for_test, "{\"command\":\"restore\"}\n"),
            ask(&socket_for_test, "this is not json\n"),
            ask(
                &socket_for_test,
                "{\"command\":\"set_password\",\"username\":\"a b\",\"password\":\"long enough pw\"}\n",
            ),
        ]
    })
    .await
    .unwrap();
    assert_eq!(answers[0]["ok"], true);
    assert!(answers[0]["message"].as_str().unwrap().starts_with("jirabridge "));
    assert!(answers[1]["error"].as_str().unwrap().contains("unknown command \"restore\""), "{}", answers[1]);
    assert!(answers[2]["error"].as_str().unwrap().contains("not valid"), "{}", answers[2]);
    assert!(answers[3]["error"].as_str().unwrap().contains("user name"), "{}", answers[3]);
    app.shutdown().await;
    assert!(!socket.exists());
    drop(data);
}

/// Only meaningful as root (CI and this project's machines run as root); skipped otherwise,
/// except in CI, where not being root fails it.
#[test]
fn commands_run_as_root_leave_the_data_directory_to_its_owner() {
    let work = tempfile::tempdir().unwrap();
    let probe = work.path().join("probe");
    std::fs::write(&probe, "").unwrap();
    if std::fs::metadata(&probe).unwrap().uid() != 0 {
        assert!(!crate::support::in_ci(), "CI=true but the tests do not run as root");
        return;
    }
    let data = work.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let (uid, gid) = (65_534, 65_534);
    std::os::unix::fs::chown(&data, Some(uid), Some(gid)).unwrap();
    let config = config_for(work.path(), &data);

    let restored = jirabridge(&config, &["restore", fixture_path(1).to_str().unwrap()], "");
    assert!(restored.status.success(), "{}", stderr(&restored));
    let set = jirabridge(&config, &["admin", "set-password", "--username", "root-made"], "a password from root\n");
    assert!(set.status.success(), "{}", stderr(&set));
    let backup = work.path().join("out.backup");
    let made = jirabridge(&config, &["backup", "--output", backup.to_str().unwrap()], "");
    assert!(made.status.success(), "{}", stderr(&made));

    let mut wrong = Vec::new();
    collect_wrong_owner(&data, uid, gid, &mut wrong);
    assert!(wrong.is_empty(), "files not owned by the data directory's owner: {wrong:#?}");
}

fn collect_wrong_owner(dir: &std::path::Path, uid: u32, gid: u32, wrong: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        if (meta.uid(), meta.gid()) != (uid, gid) {
            wrong.push(entry.path().display().to_string());
        }
        if meta.is_dir() {
            collect_wrong_owner(&entry.path(), uid, gid, wrong);
        }
    }
}
