//! The commands that work on the store: `admin set-password`, `admin list`, `admin delete`,
//! `backup`, `restore`.
//! Each goes through the running server's control socket when one answers, and otherwise
//! opens the store itself (restore requires that no server runs).

use std::io::{BufRead, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::backup::restore::KeyOutcome;
use crate::control::protocol::Request;
use crate::utc::now_ms;

/// Runs a command body; an error is printed as one sentence chain and exits 1.
fn run(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jirabridge: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn data_dir(config: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    super::load(config).map(|loaded| loaded.config.store.path)
}

fn warn_all(warnings: &[String]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

pub(super) fn set_password(config: Option<PathBuf>, username: &str) -> ExitCode {
    let dir = match data_dir(config) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    run(|| {
        let password = read_password()?;
        crate::accounts::check_username(username)?;
        crate::accounts::check_password(&password)?;
        if let Some(server) = crate::control::client::connect(&dir)? {
            let request = Request::SetPassword { username: username.into(), password };
            println!("{} (by the running jirabridge)", server.request(&request)?);
            return Ok(());
        }
        {
            let store = crate::data_dir::open_store_directly(&dir)?;
            crate::accounts::set_password_as(&store, username, &password, now_ms(), "cli")?;
        }
        warn_all(&crate::data_dir::match_owner(&dir));
        println!("the password of {username} is set (in the store at {})", dir.display());
        Ok(())
    })
}

pub(super) fn list_admins(config: Option<PathBuf>) -> ExitCode {
    let dir = match data_dir(config) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    run(|| {
        if let Some(server) = crate::control::client::connect(&dir)? {
            println!("{}", server.request(&Request::ListAdmins)?);
            return Ok(());
        }
        let listing = {
            let store = crate::data_dir::open_existing_store(&dir)?;
            crate::accounts::listing(&store)?
        };
        warn_all(&crate::data_dir::match_owner(&dir));
        println!("{listing}");
        Ok(())
    })
}

pub(super) fn delete_admin(config: Option<PathBuf>, username: &str) -> ExitCode {
    let dir = match data_dir(config) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    run(|| {
        if let Some(server) = crate::control::client::connect(&dir)? {
            let request = Request::DeleteAdmin { username: username.into() };
            println!("{} (by the running jirabridge)", server.request(&request)?);
            return Ok(());
        }
        {
            let store = crate::data_dir::open_existing_store(&dir)?;
            crate::accounts::delete_from_cli(&store, username, now_ms())?;
        }
        warn_all(&crate::data_dir::match_owner(&dir));
        println!("{username} is deleted (in the store at {})", dir.display());
        Ok(())
    })
}

/// The new password: asked twice without echo at a terminal, else one line of standard
/// input (for scripts), without its line ending.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("New password (at least 12 characters): ")
            .map_err(|e| anyhow::anyhow!("cannot read the password from the terminal: {e}"))?;
        let again = rpassword::prompt_password("The same password again: ")
            .map_err(|e| anyhow::anyhow!("cannot read the password from the terminal: {e}"))?;
        anyhow::ensure!(first == again, "the two passwords differ; nothing was changed");
        anyhow::ensure!(!first.is_empty(), "no password given; nothing was changed");
        return Ok(first);
    }
    let mut line = String::new();
    stdin
        .lock()
        .take(8 * 1024)
        .read_line(&mut line)
        .map_err(|e| anyhow::anyhow!("cannot read the password from standard input: {e}"))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    anyhow::ensure!(!password.is_empty(), "standard input held no password");
    Ok(password.to_string())
}

pub(super) fn backup(config: Option<PathBuf>, output: &Path, include_key: bool) -> ExitCode {
    let dir = match data_dir(config) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    run(|| {
        let outcome = crate::backup::create(&dir, output, include_key)?;
        warn_all(&outcome.warnings);
        let summary = &outcome.summary;
        let by = if outcome.through_server { "the running jirabridge" } else { "this command (no server was running)" };
        println!(
            "backup written to {} by {by}: {} entries in {} trees, store schema {}",
            output.display(),
            summary.entries(),
            summary.trees.len(),
            summary.header.schema_version
        );
        if include_key {
            println!("it includes master.key: keep it as safe as the key itself");
        } else {
            println!(
                "note: it does not include {}, which decrypts the stored secrets; keep a copy of that file, or use --include-key",
                crate::store::master_key_path(&dir).display()
            );
        }
        Ok(())
    })
}

pub(super) fn restore(config: Option<PathBuf>, file: &Path, force: bool) -> ExitCode {
    let dir = match data_dir(config) {
        Ok(dir) => dir,
        Err(code) => return code,
    };
    run(|| {
        let outcome = crate::backup::restore::restore(&dir, file, force, now_ms())?;
        for path in &outcome.moved_aside {
            println!("moved aside: {}", path.display());
        }
        let summary = &outcome.summary;
        println!(
            "restored {} into {}: {} entries in {} trees, store schema {}",
            file.display(),
            dir.display(),
            summary.entries(),
            summary.trees.len(),
            summary.header.schema_version
        );
        let key = crate::store::master_key_path(&dir);
        match outcome.key {
            KeyOutcome::Restored => println!("master key restored to {}", key.display()),
            KeyOutcome::AlreadyThere => println!("master key: {} already held the backup's key", key.display()),
            KeyOutcome::KeptExisting => println!(
                "master key: the backup has none, so {} stays; if it is not the key of the server the backup came from, \
                 the stored secrets will not decrypt",
                key.display()
            ),
            KeyOutcome::Missing => eprintln!(
                "warning: the backup has no master key and {} does not exist: put the backed-up server's master.key \
                 there before starting jirabridge, or the stored secrets cannot be decrypted",
                key.display()
            ),
        }
        warn_all(&outcome.warnings);
        Ok(())
    })
}
