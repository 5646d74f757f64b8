//! `jirabridge restore FILE`: the backup goes into a fresh database beside the store
//! (`db.restoring`), and only when it is complete does it take the store's place. An
//! existing store is moved aside (`--force`), never deleted.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::data_dir;
use crate::store::export::{import_into, verify_backup, BackupSummary, KeyText};
use crate::store::{master_key_path, write_master_key_text};

/// What happened to the master key.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyOutcome {
    /// The backup held a key and it is now `master.key`.
    Restored,
    /// The backup held the same key that was already there.
    AlreadyThere,
    /// The backup held no key; the existing `master.key` stays.
    KeptExisting,
    /// The backup held no key and there is none: stored secrets cannot be decrypted.
    Missing,
}

/// What `restore` did.
#[derive(Debug)]
pub struct RestoreOutcome {
    pub summary: BackupSummary,
    pub key: KeyOutcome,
    /// Where earlier files were moved (old store, old key).
    pub moved_aside: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// Restores `file` into the store at `data_dir`. Refuses while a server runs on it, when
/// the file is not a sound backup or is from a newer schema, and when the store holds
/// data unless `force`.
pub fn restore(data_dir: &Path, file: &Path, force: bool, now_ms: u64) -> anyhow::Result<RestoreOutcome> {
    if crate::control::client::server_answers(data_dir)? {
        anyhow::bail!(
            "jirabridge is running on this store (it answers on {}); stop it first, for example with \
             `systemctl stop jirabridge`, then restore",
            crate::control::socket_path(data_dir).display()
        );
    }
    let summary =
        verify_backup(BufReader::new(open(file)?)).with_context(|| format!("{} cannot be restored", file.display()))?;
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let db = data_dir.join("db");
    // Opening the store also proves no other process holds it, even with --force.
    if holds_data(data_dir)? && !force {
        anyhow::bail!(
            "the store at {} already holds data, so restore leaves it alone. Use --force to move it aside \
             (to {}.before-restore-<time>) and restore in its place",
            db.display(),
            db.display()
        );
    }
    let restoring = data_dir.join("db.restoring");
    if restoring.exists() {
        // Left by a restore that was interrupted; it never became the store.
        std::fs::remove_dir_all(&restoring).with_context(|| format!("cannot remove {}", restoring.display()))?;
    }
    if let Err(e) = import_into(BufReader::new(open(file)?), &restoring) {
        let _ = std::fs::remove_dir_all(&restoring);
        return Err(e).with_context(|| format!("{} cannot be restored", file.display()));
    }
    let suffix = format!("before-restore-{}", now_ms / 1000);
    let mut moved_aside = Vec::new();
    if db.exists() {
        moved_aside.push(move_aside(&db, &suffix)?);
    }
    std::fs::rename(&restoring, &db).with_context(|| format!("cannot move the restored store to {}", db.display()))?;
    let key = restore_key(data_dir, summary.master_key.as_ref(), &suffix, &mut moved_aside)?;
    // Opening runs the migrations an older backup needs, and proves the result opens.
    drop(data_dir::open_store_directly(data_dir).context("the restored store does not open")?);
    let warnings = data_dir::match_owner(data_dir);
    Ok(RestoreOutcome { summary, key, moved_aside, warnings })
}

fn open(file: &Path) -> anyhow::Result<File> {
    File::open(file).with_context(|| format!("cannot open {}", file.display()))
}

fn holds_data(data_dir: &Path) -> anyhow::Result<bool> {
    if !data_dir::has_database(data_dir) {
        return Ok(false);
    }
    let store = data_dir::open_store_directly(data_dir)?;
    Ok(store.has_data()?)
}

fn move_aside(path: &Path, suffix: &str) -> anyhow::Result<PathBuf> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".{suffix}"));
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside).with_context(|| format!("cannot move {} aside", path.display()))?;
    Ok(aside)
}

fn restore_key(
    data_dir: &Path,
    key: Option<&KeyText>,
    suffix: &str,
    moved_aside: &mut Vec<PathBuf>,
) -> anyhow::Result<KeyOutcome> {
    let path = master_key_path(data_dir);
    let existing = std::fs::read_to_string(&path).ok();
    match (key, existing) {
        (Some(key), Some(old)) if old.trim() == key.0 => Ok(KeyOutcome::AlreadyThere),
        (Some(key), old) => {
            if old.is_some() {
                moved_aside.push(move_aside(&path, suffix)?);
            }
            write_master_key_text(data_dir, key)?;
            Ok(KeyOutcome::Restored)
        }
        (None, Some(_)) => Ok(KeyOutcome::KeptExisting),
        (None, None) => Ok(KeyOutcome::Missing),
    }
}
