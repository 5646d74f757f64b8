//! The data directory (`store.path`) as the commands other than `serve` use it: opening
//! the store when no server holds it, and leaving what they wrote owned by the directory's
//! owner, so a command run as root does not leave files the service user cannot open.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::Context;

use crate::store::{Store, StoreError, StoreOptions};

/// Opens the store at `data_dir` in this process. sled allows one process per database,
/// so this fails while another process has it open; the error says what to do.
pub fn open_store_directly(data_dir: &Path) -> anyhow::Result<Store> {
    match Store::open(data_dir, &StoreOptions::default()) {
        Ok(store) => Ok(store),
        Err(StoreError::Open { path, .. }) => anyhow::bail!(
            "the store at {} is in use by another process, and no jirabridge answers on its control socket {}. \
             Is another jirabridge command running, or a jirabridge older than the control socket? \
             Wait for it or stop it, then try again",
            path.display(),
            crate::control::socket_path(data_dir).display()
        ),
        Err(e) => Err(e).with_context(|| format!("cannot open the store at {}", data_dir.display())),
    }
}

/// [`open_store_directly`] for a command that reads or changes what is there: refuses a
/// `data_dir` with no database instead of creating an empty one (a wrong `store.path`).
pub fn open_existing_store(data_dir: &Path) -> anyhow::Result<Store> {
    anyhow::ensure!(
        has_database(data_dir),
        "there is no jirabridge store at {} (store.path); check --config",
        data_dir.display()
    );
    open_store_directly(data_dir)
}

/// Whether `data_dir` holds a database at all.
pub fn has_database(data_dir: &Path) -> bool {
    data_dir.join("db").is_dir()
}

/// Gives every file under `data_dir` whose owner differs from the directory's owner to
/// that owner (what a command run as root created). Answers the files it could not change.
pub fn match_owner(data_dir: &Path) -> Vec<String> {
    let Ok(top) = std::fs::metadata(data_dir) else { return Vec::new() };
    let mut problems = Vec::new();
    give_to(data_dir, top.uid(), top.gid(), &mut problems);
    problems
}

fn give_to(dir: &Path, uid: u32, gid: u32, problems: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if (meta.uid(), meta.gid()) != (uid, gid) {
            if let Err(e) = std::os::unix::fs::lchown(&path, Some(uid), Some(gid)) {
                problems.push(format!("cannot give {} to the data directory's owner: {e}", path.display()));
            }
        }
        if meta.is_dir() {
            give_to(&path, uid, gid, problems);
        }
    }
}
