//! Unit tests of console accounts: name and password rules, hashing and verification.

use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &Default::default()).unwrap();
    (dir, store)
}

const GOOD: &str = "correct horse battery";

#[test]
fn a_set_password_verifies_and_a_wrong_one_does_not() {
    let (_dir, store) = store();
    assert!(!any_admin(&store).unwrap());
    set_password(&store, "alice", GOOD, 1_000).unwrap();
    assert!(any_admin(&store).unwrap());
    assert!(verify(&store, "alice", GOOD).unwrap());
    assert!(!verify(&store, "alice", "correct horse battery!").unwrap());
    assert!(!verify(&store, "Alice", GOOD).unwrap(), "user names are case-sensitive");
    let stored = store.admin_user("alice").unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"), "argon2id PHC string");
    assert!(!stored.password_hash.contains(GOOD));
}

#[test]
fn replacing_a_password_keeps_creation_time_and_is_audited() {
    let (_dir, store) = store();
    set_password_as(&store, "alice", GOOD, 1_000, "cli").unwrap();
    set_password_as(&store, "alice", "another long password", 2_000, "bob").unwrap();
    assert!(!verify(&store, "alice", GOOD).unwrap());
    assert!(verify(&store, "alice", "another long password").unwrap());
    let stored = store.admin_user("alice").unwrap().unwrap();
    assert_eq!((stored.created_at_ms, stored.updated_at_ms), (1_000, 2_000));
    let audit = store.audit_entries(0, 10).unwrap();
    let actions: Vec<_> = audit.iter().map(|a| (a.actor.as_str(), a.action.as_str(), a.target.as_str())).collect();
    assert_eq!(actions, vec![("bob", "admin_user.password_changed", "alice"), ("cli", "admin_user.created", "alice")]);
    let text = format!("{audit:?}");
    assert!(!text.contains("argon2") && !text.contains(GOOD), "no hash or password in the audit log");
}

#[test]
fn unknown_users_do_not_verify() {
    let (_dir, store) = store();
    assert!(!verify(&store, "nobody", GOOD).unwrap());
}

#[test]
fn user_names_and_passwords_are_validated_with_clear_messages() {
    let (_dir, store) = store();
    for bad in ["", "has space", "ünï", "a/b", &"x".repeat(65)] {
        let err = set_password(&store, bad, GOOD, 1).unwrap_err();
        assert!(matches!(err, AccountError::InvalidUsername), "{bad:?}");
    }
    for good in ["a", "alice.smith_2-x", &"x".repeat(64)] {
        assert!(check_username(good).is_ok(), "{good:?}");
    }
    let short = set_password(&store, "alice", "elevenchars", 1).unwrap_err();
    assert_eq!(short.to_string(), "the password must be at least 12 characters");
    let long = set_password(&store, "alice", &"p".repeat(1025), 1).unwrap_err();
    assert_eq!(long.to_string(), "the password must be at most 1024 characters");
    assert!(check_password("ééééééééééé").is_err(), "counted in characters, not bytes");
    assert!(check_password(&"é".repeat(12)).is_ok());
    assert!(!any_admin(&store).unwrap(), "nothing stored after a refusal");
}

#[test]
fn the_dummy_hash_uses_the_default_parameters() {
    let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
    let defaults = argon2::Params::default();
    assert_eq!(dummy.algorithm, argon2::Algorithm::Argon2id.ident());
    assert_eq!(dummy.params.get_decimal("m"), Some(defaults.m_cost()));
    assert_eq!(dummy.params.get_decimal("t"), Some(defaults.t_cost()));
    assert_eq!(dummy.params.get_decimal("p"), Some(defaults.p_cost()));
}

#[test]
fn deleting_an_account_ends_it_but_never_the_deleting_admin() {
    let (_dir, store) = store();
    set_password(&store, "alice", GOOD, 1_000).unwrap();
    set_password(&store, "bob", GOOD, 1_000).unwrap();
    assert!(matches!(delete(&store, "alice", "alice", 2_000), Err(AccountError::DeleteSelf)));
    assert!(matches!(delete(&store, "carol", "alice", 2_000), Err(AccountError::NoSuchUser(name)) if name == "carol"));
    assert!(
        matches!(delete(&store, "bob", "dave", 2_000), Err(AccountError::ActorGone)),
        "a deleted admin changes nothing"
    );
    assert!(matches!(set_password_by_admin(&store, "eve", GOOD, 2_000, "dave"), Err(AccountError::ActorGone)));
    assert!(store.admin_user("eve").unwrap().is_none());
    delete(&store, "bob", "alice", 2_000).unwrap();
    assert!(store.admin_user("bob").unwrap().is_none());
    assert!(!verify(&store, "bob", GOOD).unwrap());
    assert!(store.admin_user("alice").unwrap().is_some());
    let audit = store.audit_entries(0, 1).unwrap();
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].action.as_str(), audit[0].target.as_str()),
        ("alice", "admin_user.deleted", "bob")
    );
}

#[test]
fn the_command_line_deletes_any_account_but_the_last() {
    let (_dir, store) = store();
    set_password(&store, "alice", GOOD, 1_000).unwrap();
    set_password(&store, "bob", GOOD, 1_000).unwrap();
    assert!(matches!(delete_from_cli(&store, "carol", 2_000), Err(AccountError::NoSuchUser(_))));
    delete_from_cli(&store, "bob", 2_000).unwrap();
    assert!(matches!(delete_from_cli(&store, "alice", 3_000), Err(AccountError::LastAccount(name)) if name == "alice"));
    assert!(store.admin_user("alice").unwrap().is_some());
    let audit = store.audit_entries(0, 1).unwrap();
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].action.as_str(), audit[0].target.as_str()),
        ("cli", "admin_user.deleted", "bob")
    );
}
