//! Admin console accounts: user names, argon2id password hashes, and checking a login.
//!
//! This is the API the console and the `admin set-password` command share. Passwords are
//! hashed with argon2id at the crate's default parameters and a random salt; only the PHC
//! string is stored. Neither passwords nor hashes are logged or put in the audit log.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::{Mutex, MutexGuard};

use crate::store::records::{AdminUserRecordV1, AuditRecordV1};
use crate::store::{Store, StoreError};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;
pub const MAX_USERNAME_CHARS: usize = 64;

/// The hash of a password nobody knows, made with the default parameters, that `verify`
/// checks against for unknown users, so an answer takes as long whether the user exists
/// or not. A test checks that its parameters still equal the defaults.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZHVtbXlzYWx0ZHVtbXlzYWx0$9yOWHqo2A4jvT+eLUYvTXm4Un1ebC7NzUo49t9OrGOo";

/// Why an account could not be set or checked. The messages are shown to the admin.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the user name must be 1 to 64 characters: letters, digits, '.', '_' or '-'")]
    InvalidUsername,
    #[error("the password must be at least 12 characters")]
    PasswordTooShort,
    #[error("the password must be at most 1024 characters")]
    PasswordTooLong,
    #[error(
        "the stored password of {0} cannot be read; set a new one with `jirabridge admin set-password --username {0}`"
    )]
    UnreadableHash(String),
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error("there is no admin account named {0}")]
    NoSuchUser(String),
    #[error("you cannot delete the account you are signed in with; sign in as another admin to delete it")]
    DeleteSelf,
    #[error("your own account was deleted meanwhile; nothing was changed")]
    ActorGone,
    #[error("{0} is the only admin account; add another with `jirabridge admin set-password` before deleting it")]
    LastAccount(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates the account `username`, or replaces its password; audited with the user as actor.
pub fn set_password(store: &Store, username: &str, password: &str, now_ms: u64) -> Result<(), AccountError> {
    set_password_as(store, username, password, now_ms, username)
}

/// Serializes changes to accounts, so two admins deleting each other at the same moment
/// cannot both succeed and leave none, and an admin deleted meanwhile changes nothing.
static CHANGES: Mutex<()> = Mutex::new(());

fn changes() -> MutexGuard<'static, ()> {
    CHANGES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// [`set_password`] on behalf of `actor` (`cli`, or the admin who made the change).
pub fn set_password_as(
    store: &Store,
    username: &str,
    password: &str,
    now_ms: u64,
    actor: &str,
) -> Result<(), AccountError> {
    let _changes = changes();
    write_password(store, username, password, now_ms, actor)
}

/// [`set_password_as`] for a signed-in console admin, who must still exist.
pub fn set_password_by_admin(
    store: &Store,
    username: &str,
    password: &str,
    now_ms: u64,
    admin: &str,
) -> Result<(), AccountError> {
    let _changes = changes();
    if store.admin_user(admin)?.is_none() {
        return Err(AccountError::ActorGone);
    }
    write_password(store, username, password, now_ms, admin)
}

fn write_password(store: &Store, username: &str, password: &str, now_ms: u64, actor: &str) -> Result<(), AccountError> {
    check_username(username)?;
    check_password(password)?;
    let password_hash = hash(password)?;
    let existing = store.admin_user(username)?;
    let created_at_ms = existing.as_ref().map_or(now_ms, |user| user.created_at_ms);
    let record = AdminUserRecordV1::new(username, password_hash, created_at_ms, now_ms);
    store.put_admin_user(&record)?;
    // A new password locks out whoever had the old one, including their open sessions.
    store.delete_sessions_of(username)?;
    // ...and lifts a sign-in lockout, so an admin locked out by failed attempts can get in.
    store.clear_login_attempts_of(username)?;
    let summary = |created: u64| serde_json::json!({ "username": username, "created_at_ms": created }).to_string();
    let action = if existing.is_some() { "admin_user.password_changed" } else { "admin_user.created" };
    let before = existing.map(|user| summary(user.created_at_ms));
    store.audit(&AuditRecordV1::new(actor, action, username, before, Some(summary(created_at_ms)), now_ms))?;
    Ok(())
}

/// Deletes the account `username` on behalf of the signed-in admin `actor`, ends its
/// sessions and forgets its failed sign-ins; audited. An admin cannot delete themselves,
/// so the console always keeps at least the account doing the deleting.
pub fn delete(store: &Store, username: &str, actor: &str, now_ms: u64) -> Result<(), AccountError> {
    if username == actor {
        return Err(AccountError::DeleteSelf);
    }
    let _changes = changes();
    if store.admin_user(actor)?.is_none() {
        return Err(AccountError::ActorGone);
    }
    remove(store, username, actor, now_ms)
}

/// Deletes the account `username` from the command line (`actor` = `cli`); the last
/// account is kept, so the console is never left without a way in.
pub fn delete_from_cli(store: &Store, username: &str, now_ms: u64) -> Result<(), AccountError> {
    let _changes = changes();
    let accounts = store.admin_users()?;
    if !accounts.iter().any(|user| user.username == username) {
        return Err(AccountError::NoSuchUser(username.into()));
    }
    if accounts.len() == 1 {
        return Err(AccountError::LastAccount(username.into()));
    }
    remove(store, username, "cli", now_ms)
}

/// Removes an account with its sessions and failed sign-ins; audited. Callers hold
/// [`changes`].
fn remove(store: &Store, username: &str, actor: &str, now_ms: u64) -> Result<(), AccountError> {
    let removed = store.delete_admin_user(username)?.ok_or_else(|| AccountError::NoSuchUser(username.into()))?;
    store.delete_sessions_of(username)?;
    store.clear_login_attempts_of(username)?;
    let before = serde_json::json!({ "username": username, "created_at_ms": removed.created_at_ms }).to_string();
    store.audit(&AuditRecordV1::new(actor, "admin_user.deleted", username, Some(before), None, now_ms))?;
    Ok(())
}

/// The accounts as text for `jirabridge admin list`: one line each, the user name, when it
/// was added and when its password was last set (UTC); "no admin accounts" when none.
pub fn listing(store: &Store) -> Result<String, AccountError> {
    let accounts = store.admin_users()?;
    if accounts.is_empty() {
        return Ok("no admin accounts".into());
    }
    let width = accounts.iter().map(|user| user.username.len()).max().unwrap_or(0);
    let lines: Vec<String> = accounts
        .iter()
        .map(|user| {
            format!(
                "{:width$}  added {}  password set {}",
                user.username,
                crate::utc::when(user.created_at_ms),
                crate::utc::when(user.updated_at_ms)
            )
        })
        .collect();
    Ok(lines.join("\n"))
}

/// Whether `password` is the password of `username`. An unknown user takes as long as a
/// wrong password and answers `false`.
pub fn verify(store: &Store, username: &str, password: &str) -> Result<bool, AccountError> {
    let Some(user) = store.admin_user(username)? else {
        let dummy = PasswordHash::new(DUMMY_HASH).map_err(|e| AccountError::Hash(e.to_string()))?;
        let _ = Argon2::default().verify_password(password.as_bytes(), &dummy);
        return Ok(false);
    };
    let stored = PasswordHash::new(&user.password_hash).map_err(|_| AccountError::UnreadableHash(user.username))?;
    Ok(Argon2::default().verify_password(password.as_bytes(), &stored).is_ok())
}

/// Whether at least one admin account exists (the console offers first-admin setup if not).
pub fn any_admin(store: &Store) -> Result<bool, AccountError> {
    Ok(store.has_admin_users()?)
}

/// Checks a user name: 1–64 characters of `[A-Za-z0-9._-]`.
pub fn check_username(username: &str) -> Result<(), AccountError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if username.is_empty() || username.len() > MAX_USERNAME_CHARS || !username.chars().all(allowed) {
        return Err(AccountError::InvalidUsername);
    }
    Ok(())
}

/// Checks a password's length in characters (not bytes).
pub fn check_password(password: &str) -> Result<(), AccountError> {
    match password.chars().count() {
        n if n < MIN_PASSWORD_CHARS => Err(AccountError::PasswordTooShort),
        n if n > MAX_PASSWORD_CHARS => Err(AccountError::PasswordTooLong),
        _ => Ok(()),
    }
}

fn hash(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    let hashed =
        Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(hashed.to_string())
}

#[cfg(test)]
mod tests;
