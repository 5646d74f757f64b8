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
