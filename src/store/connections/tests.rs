//! Connections stored, read back, sealed, and removed with their reverse key.

use super::*;

fn open() -> (tempfile::TempDir, Store, MasterKey) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &Default::default()).unwrap();
    let key = MasterKey::load_or_create(dir.path()).unwrap();
    (dir, store, key)
}

fn connection(instance: &str, user: &str, account: &str) -> Connection {
    Connection {
        instance_id: instance.into(),
        mm_user_id: user.into(),
        jira: JiraUser { account_id: account.into(), display_name: "Ada Lovelace".into(), ..JiraUser::default() },
        auth: ConnectionAuth::ApiToken { email: "ada@example.com".into(), token: "tok-zebra-731".into() },
        settings: NotificationSettings::all_on(),
        saved_project_key: None,
        saved_issue_type: None,
        connected_at_ms: 5,
    }
}

#[test]
fn a_connection_round_trips_with_its_user_record_and_reverse_key() {
    let (_dir, store, key) = open();
    let first = connection("https://a.atlassian.net", "u1", "acc-1");
    store.put_connection(&first, &key).unwrap();
    store.put_connection(&connection("https://b.atlassian.net", "u1", "acc-1"), &key).unwrap();
    assert_eq!(store.connection("https://a.atlassian.net", "u1", &key).unwrap(), Some(first));
    let user = store.mattermost_user("u1").unwrap().unwrap();
    assert_eq!(user.connected_instances, ["https://a.atlassian.net", "https://b.atlassian.net"]);
    assert_eq!(user.default_instance_id.as_deref(), Some("https://a.atlassian.net"), "the first one is the default");
    assert_eq!(store.mm_user_by_jira("https://b.atlassian.net", "acc-1").unwrap().as_deref(), Some("u1"));
    assert!(store.set_default_instance("u1", "https://b.atlassian.net").unwrap());
    assert!(!store.set_default_instance("u1", "https://c.atlassian.net").unwrap(), "not connected there");
    assert_eq!(store.connection_keys().unwrap().len(), 2);
}

#[test]
fn disconnecting_removes_the_connection_reverse_key_and_default() {
    let (_dir, store, key) = open();
    store.put_connection(&connection("https://a.atlassian.net", "u1", "acc-1"), &key).unwrap();
    let removed = store.remove_connection("https://a.atlassian.net", "u1").unwrap().unwrap();
    assert_eq!(removed.display_name, "Ada Lovelace");
    assert!(store.connection("https://a.atlassian.net", "u1", &key).unwrap().is_none());
    assert!(store.mm_user_by_jira("https://a.atlassian.net", "acc-1").unwrap().is_none());
    let user = store.mattermost_user("u1").unwrap().unwrap();
    assert!(user.connected_instances.is_empty() && user.default_instance_id.is_none());
    assert!(store.remove_connection("https://a.atlassian.net", "u1").unwrap().is_none(), "once only");
}

#[test]
fn credentials_are_sealed_to_their_record() {
    let (_dir, store, key) = open();
    store.put_connection(&connection("https://a.atlassian.net", "u1", "acc-1"), &key).unwrap();
    let t = store.trees();
    let (_, bytes) = t.instance_mmuser_connection.first().unwrap().unwrap();
    assert!(!bytes.windows(13).any(|w| w == b"tok-zebra-731"), "the token is not stored in the clear");
    // Moved to another user's record, the credentials do not open (no gate: a test).
    t.instance_mmuser_connection.insert(pair("https://a.atlassian.net", "u2"), bytes).unwrap();
    assert!(store.connection("https://a.atlassian.net", "u2", &key).is_err());
    assert!(store.key_opens_connections(&key).unwrap());
    let other = MasterKey::for_store(&"ef".repeat(32), std::path::Path::new("/nonexistent")).unwrap();
    assert!(!store.key_opens_connections(&other).unwrap());
}
