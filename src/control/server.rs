//! The control socket's server side, run by `serve`.
//!
//! Each connection is one request. `set_password` runs the `accounts` code; `backup`
//! answers `ok` and then writes the backup straight into the socket from a blocking thread.
//! While a backup is written, changes to the store wait (see `store::export`), so a client
//! that stops reading must not hold them up for long: the socket's writes time out.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use std::sync::Arc;

use super::protocol::{parse_request, Request, Response, MAX_REQUEST_BYTES};
use super::Importer;
use crate::store::export::KeyText;
use crate::store::Store;
use crate::utc::now_ms;

/// How long a client may take to send its request line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The most an import sends (decided in issue 19), and how long it may take to arrive.
const IMPORT_MOST_BYTES: u64 = 256 * 1024 * 1024;
const IMPORT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one write of a backup may block before the backup is abandoned.
const BACKUP_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// A listening control socket; dropping it (or [`ControlServer::stop`]) removes the file.
pub struct ControlServer {
    path: PathBuf,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ControlServer {
    /// Listens on `<data_dir>/control.sock` on the current tokio runtime. A socket file left
    /// by a process that died is replaced. The socket is bound under a temporary name, made
    /// 0600 and then renamed, so the final path is never reachable with looser permissions.
    pub fn start(store: Store, data_dir: &Path, importer: Option<Arc<dyn Importer>>) -> std::io::Result<ControlServer> {
        let path = super::socket_path(data_dir);
        let temporary = data_dir.join(format!("control.sock.{}.tmp", std::process::id()));
        remove_if_present(&temporary)?;
        let listener = UnixListener::bind(&temporary)?;
        std::fs::set_permissions(&temporary, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        std::fs::rename(&temporary, &path)?;
        let task = tokio::spawn(accept_loop(listener, store, data_dir.to_path_buf(), importer));
        Ok(ControlServer { path, task: Some(task) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops accepting and removes the socket file (a backup in progress finishes).
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            if let Err(e) = remove_if_present(&self.path) {
                tracing::warn!(path = %self.path.display(), error = %e, "could not remove the control socket");
            }
        }
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.shut();
    }
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

async fn accept_loop(listener: UnixListener, store: Store, data_dir: PathBuf, importer: Option<Arc<dyn Importer>>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(handle(stream, store.clone(), data_dir.clone(), importer.clone()));
            }
            Err(e) => {
                tracing::error!(error = %e, "the control socket failed to accept a connection");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

async fn handle(stream: UnixStream, store: Store, data_dir: PathBuf, importer: Option<Arc<dyn Importer>>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut limited = (&mut reader).take(MAX_REQUEST_BYTES as u64);
    let read = tokio::time::timeout(REQUEST_TIMEOUT, limited.read_line(&mut line)).await;
    let response = match read {
        Ok(Ok(_)) => match parse_request(&line) {
            Ok(Request::Backup { include_key }) => {
                return backup(reader.into_inner(), store, &data_dir, include_key).await
            }
            Ok(Request::ImportPlugin { dry_run, overwrite, json, kv_bytes, config_bytes }) => {
                let options = crate::plugin_import::Options { dry_run, overwrite, ..Default::default() };
                import(&mut reader, importer.as_deref(), (kv_bytes, config_bytes), options, json).await
            }
            Ok(request) => answer(request, store).await,
            Err(sentence) => Response::error(sentence),
        },
        Ok(Err(e)) => Response::error(format!("the request could not be read: {e}")),
        Err(_) => Response::error("no request arrived within 10 seconds"),
    };
    let _ = reader.into_inner().write_all(response.to_line().as_bytes()).await;
}

async fn answer(request: Request, store: Store) -> Response {
    match request {
        Request::Ping => Response::ok(format!("jirabridge {}", env!("CARGO_PKG_VERSION"))),
        Request::SetPassword { username, password } => {
            account_change("setting the password", move || {
                crate::accounts::set_password_as(&store, &username, &password, now_ms(), "cli")?;
                tracing::info!(username, "admin password set through the control socket");
                Ok(format!("the password of {username} is set"))
            })
            .await
        }
        Request::ListAdmins => account_change("listing the accounts", move || crate::accounts::listing(&store)).await,
        Request::DeleteAdmin { username } => {
            account_change("deleting the account", move || {
                crate::accounts::delete_from_cli(&store, &username, now_ms())?;
                tracing::info!(username, "admin account deleted through the control socket");
                Ok(format!("{username} is deleted and signed out"))
            })
            .await
        }
        Request::Backup { .. } => Response::error("a backup is answered by its own stream"),
        Request::ImportPlugin { .. } => Response::error("an import is answered once its files are read"),
    }
}

/// Reads the files that follow an `import_plugin` line (at most 256 MiB in all, within a
/// minute) and hands them to the application's importer.
async fn import(
    reader: &mut BufReader<UnixStream>,
    importer: Option<&dyn Importer>,
    (kv_bytes, config_bytes): (u64, u64),
    options: crate::plugin_import::Options,
    json: bool,
) -> Response {
    let Some(importer) = importer else {
        return Response::error("this jirabridge cannot import through its control socket");
    };
    if kv_bytes.saturating_add(config_bytes) > IMPORT_MOST_BYTES {
        return Response::error("the import takes at most 256 MiB");
    }
    let read = async {
        let mut kv = vec![0u8; kv_bytes as usize];
        reader.read_exact(&mut kv).await?;
        let mut config = vec![0u8; config_bytes as usize];
        reader.read_exact(&mut config).await?;
        Ok::<_, std::io::Error>((kv, (config_bytes > 0).then_some(config)))
    };
    match tokio::time::timeout(IMPORT_READ_TIMEOUT, read).await {
        Ok(Ok((kv, config))) => match importer.import(kv, config, options, json).await {
            Ok(report) => Response::ok(report),
            Err(why) => Response::error(why),
        },
        Ok(Err(e)) => Response::error(format!("the files could not be read: {e}")),
        Err(_) => Response::error("the files did not arrive within a minute"),
    }
}

/// Runs account work off the async threads (argon2, store reads and flushes, which may hang
/// on a full disk) and answers its message, or its error sentence; `what` names the work if
/// the task itself fails.
async fn account_change(
    what: &str,
    change: impl FnOnce() -> Result<String, crate::accounts::AccountError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(change).await {
        Ok(Ok(message)) => Response::ok(message),
        Ok(Err(e)) => Response::error(e.to_string()),
        Err(e) => Response::error(format!("{what} failed: {e}")),
    }
}

/// Answers `ok` and streams the backup, or answers an error if it cannot start.
async fn backup(mut stream: UnixStream, store: Store, data_dir: &Path, include_key: bool) {
    let key = match include_key.then(|| crate::store::read_master_key_text(data_dir)).transpose() {
        Ok(key) => key,
        Err(e) => {
            let _ = stream.write_all(Response::error(e.to_string()).to_line().as_bytes()).await;
            return;
        }
    };
    if stream.write_all(Response::ok("backup follows").to_line().as_bytes()).await.is_err() {
        return;
    }
    let written = match stream.into_std() {
        Ok(stream) => tokio::task::spawn_blocking(move || write_backup(stream, &store, key.as_ref())).await,
        Err(e) => Ok(Err(e.to_string())),
    };
    match written {
        Ok(Ok(entries)) => tracing::info!(entries, include_key, "backup written to the control socket"),
        Ok(Err(reason)) => tracing::error!(reason, "backup through the control socket failed"),
        Err(e) => tracing::error!(error = %e, "backup task failed"),
    }
}

fn write_backup(stream: std::os::unix::net::UnixStream, store: &Store, key: Option<&KeyText>) -> Result<u64, String> {
    stream.set_nonblocking(false).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(BACKUP_WRITE_TIMEOUT)).map_err(|e| e.to_string())?;
    let out = std::io::BufWriter::with_capacity(256 * 1024, stream);
    let summary = store.write_backup(out, key, now_ms()).map_err(|e| e.to_string())?;
    Ok(summary.entries())
}
