//! `jirabridge admin set-password`: through the running server's control socket, and
//! straight into the store when the server is stopped; the console's `verify` accepts it.

use jirabridge::accounts::verify;

use crate::support::app::spawn_app;
use crate::support::commands::{assert_refused, config_for, jirabridge, jirabridge_async, open_store, stderr, stdout};

const SET: [&str; 4] = ["admin", "set-password", "--username", "alice"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_password_reaches_the_running_server_then_the_stopped_store() {
    let app = spawn_app().await;
    let work = tempfile::tempdir().unwrap();
    let config = config_for(work.path(), app.data_dir.path());

    let set = jirabridge_async(&config, &SET, "first password 123\n").await;
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(stdout(&set).contains("by the running jirabridge"), "{}", stdout(&set));
    assert!(verify(&app.state.store, "alice", "first password 123").unwrap());
    let audit = app.state.store.audit_entries(0, 5).unwrap();
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), ("cli", "admin_user.created"));

    let short = jirabridge_async(&config, &SET, "too short\n").await;
    assert_refused(&short, "the password must be at least 12 characters");
    let bad_name =
        jirabridge_async(&config, &["admin", "set-password", "--username", "al ice"], "long enough password\n").await;
    assert_refused(&bad_name, "user name");

    let data = app.stop_keeping_data().await;
    drop(open_store(data.path())); // waits until the stopped app has let go of the store
    let direct = jirabridge(&config, &SET, "second password 456\r\n");
    assert!(direct.status.success(), "{}", stderr(&direct));
    assert!(stdout(&direct).contains("in the store at"), "{}", stdout(&direct));
    let store = open_store(data.path());
    assert!(verify(&store, "alice", "second password 456").unwrap(), "CRLF stripped");
    assert!(!verify(&store, "alice", "first password 123").unwrap());
    assert!(!verify(&store, "bob", "second password 456").unwrap());
}

#[test]
fn an_empty_standard_input_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let config = config_for(work.path(), &work.path().join("data"));
    assert_refused(&jirabridge(&config, &SET, ""), "no password");
}

/// `admin list` and `admin delete` from a shell: through the running server (the deleted
/// admin is signed out there), then straight in the stopped store; the last account stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_are_listed_and_deleted_from_the_command_line() {
    let app = spawn_app().await;
    let work = tempfile::tempdir().unwrap();
    let config = config_for(work.path(), app.data_dir.path());
    jirabridge::accounts::set_password(&app.state.store, "alice", "first password 123", 1_000).unwrap();
    jirabridge::accounts::set_password(&app.state.store, "bob", "second password 456", 2_000).unwrap();
    jirabridge::accounts::set_password(&app.state.store, "carol", "third password 789", 3_000).unwrap();

    let listed = jirabridge_async(&config, &["admin", "list"], "").await;
    assert!(listed.status.success(), "{}", stderr(&listed));
    let lines: Vec<String> = stdout(&listed).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("alice") && lines[0].contains("added 1970-01-01 00:00:01 UTC"), "{lines:?}");
    assert!(lines[2].starts_with("carol"), "{lines:?}");

    let deleted = jirabridge_async(&config, &["admin", "delete", "--username", "bob"], "").await;
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert!(stdout(&deleted).contains("bob is deleted and signed out (by the running jirabridge)"));
    assert!(app.state.store.admin_user("bob").unwrap().is_none());
    let audit = app.state.store.audit_entries(0, 1).unwrap();
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].action.as_str(), audit[0].target.as_str()),
        ("cli", "admin_user.deleted", "bob")
    );
    let nobody = jirabridge_async(&config, &["admin", "delete", "--username", "bob"], "").await;
    assert_refused(&nobody, "there is no admin account named bob");

    let data = app.stop_keeping_data().await;
    drop(open_store(data.path()));
    let direct = jirabridge(&config, &["admin", "delete", "--username", "carol"], "");
    assert!(direct.status.success(), "{}", stderr(&direct));
    assert!(stdout(&direct).contains("carol is deleted (in the store at"), "{}", stdout(&direct));
    let last = jirabridge(&config, &["admin", "delete", "--username", "alice"], "");
    assert_refused(&last, "alice is the only admin account");
    let listed = jirabridge(&config, &["admin", "list"], "");
    assert_eq!(stdout(&listed).lines().count(), 1, "{}", stdout(&listed));

    // A wrong store.path is said, not answered with an empty list from a new store.
    let elsewhere = config_for(work.path(), &work.path().join("no-store-here"));
    assert_refused(&jirabridge(&elsewhere, &["admin", "list"], ""), "there is no jirabridge store at");
    assert!(!work.path().join("no-store-here/db").exists());
}
