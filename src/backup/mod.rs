//! `jirabridge backup` and `restore`: where the files go. The consistent export and the
//! file format are `store::export`; this module picks the way in (the running server's
//! control socket, or the store opened directly) and writes files safely: a backup goes
//! to a temporary file (mode 0600), is read back and checked, then renamed into place.

pub mod restore;

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::data_dir;
use crate::store::export::{verify_backup, BackupSummary};
use crate::utc::now_ms;

/// What `create` did.
#[derive(Debug)]
pub struct BackupOutcome {
    pub summary: BackupSummary,
    /// Whether a running server wrote it (else the store was opened directly).
    pub through_server: bool,
    /// Files in the data directory that could not be given back to its owner.
    pub warnings: Vec<String>,
}

/// Writes a backup of the store at `data_dir` to `output`, replacing `output` only once
/// the new backup is complete and checked.
pub fn create(data_dir: &Path, output: &Path, include_key: bool) -> anyhow::Result<BackupOutcome> {
    let temporary = temporary_beside(output)?;
    let result = write_and_check(data_dir, &temporary, include_key).and_then(|outcome| {
        std::fs::rename(&temporary, output)
            .with_context(|| format!("cannot move the backup into place at {}", output.display()))?;
        sync_parent(output);
        Ok(outcome)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn write_and_check(data_dir: &Path, temporary: &Path, include_key: bool) -> anyhow::Result<BackupOutcome> {
    let file = create_private(temporary).with_context(|| {
        let dir = temporary.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        format!("cannot create the backup file in {}", dir.display())
    })?;
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    let (through_server, warnings) = match crate::control::client::connect(data_dir)? {
        Some(server) => {
            server.backup(include_key, &mut out)?;
            (true, Vec::new())
        }
        None => (false, write_directly(data_dir, &mut out, include_key)?),
    };
    let file = out.into_inner().map_err(|e| e.into_error()).context("cannot write the backup")?;
    file.sync_all().context("cannot write the backup to disk")?;
    let reread = File::open(temporary).with_context(|| format!("cannot read back {}", temporary.display()))?;
    let summary = verify_backup(BufReader::new(reread)).map_err(|e| {
        let hint = if through_server { " (the server's log says why it stopped)" } else { "" };
        anyhow::anyhow!("the backup just written does not check out: {e}{hint}")
    })?;
    Ok(BackupOutcome { summary, through_server, warnings })
}

/// No server runs: open the store here. Answers the files that kept the wrong owner.
fn write_directly(data_dir: &Path, out: &mut impl std::io::Write, include_key: bool) -> anyhow::Result<Vec<String>> {
    let key = include_key.then(|| crate::store::read_master_key_text(data_dir)).transpose()?;
    {
        let store = data_dir::open_existing_store(data_dir)?;
        store.write_backup(out, key.as_ref(), now_ms())?;
    }
    Ok(data_dir::match_owner(data_dir))
}

/// `.NAME.PID.tmp` in the output's directory, so the final rename stays on one file system.
fn temporary_beside(output: &Path) -> anyhow::Result<PathBuf> {
    let name =
        output.file_name().with_context(|| format!("{} is not a file name", output.display()))?.to_string_lossy();
    Ok(output.with_file_name(format!(".{name}.{}.tmp", std::process::id())))
}

/// Creates a new file only its owner can read: a backup holds the webhook payloads, and
/// with `--include-key` the key to every stored secret.
pub(crate) fn create_private(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

/// Makes a rename durable; best effort, as not every file system supports it.
fn sync_parent(path: &Path) {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
}
