//! The control socket's client side, used by the commands: connect if a server runs,
//! send one request, read the answer (and, for a backup, the stream that follows).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::protocol::{Request, Response};

/// How long the client waits for an answer, or for the next bytes of a backup (a backup
/// may first wait for the changes in progress to finish).
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// The longest import report read (one line per skipped row).
const REPORT_MOST_BYTES: u64 = 64 * 1024 * 1024;

/// Talking to the server failed. The messages are for the admin.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("cannot connect to the control socket {path}: {source}. Run this command as the service user (for example with sudo -u jirabridge) or as root")]
    Connect { path: PathBuf, source: std::io::Error },
    #[error("the running jirabridge refused: {0}")]
    Refused(String),
    #[error("the running jirabridge gave an answer this command does not understand: {0}")]
    BadAnswer(String),
    #[error("talking to the running jirabridge failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A connection to the running server.
pub struct ControlClient {
    stream: BufReader<UnixStream>,
}

/// Connects to the server of the store at `data_dir`; `None` when no server runs (no
/// socket file, or one left by a process that is gone).
pub fn connect(data_dir: &Path) -> Result<Option<ControlClient>, ControlError> {
    let path = super::socket_path(data_dir);
    match UnixStream::connect(&path) {
        Ok(stream) => {
            stream.set_read_timeout(Some(READ_TIMEOUT))?;
            stream.set_write_timeout(Some(READ_TIMEOUT))?;
            Ok(Some(ControlClient { stream: BufReader::new(stream) }))
        }
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => Ok(None),
        Err(source) => Err(ControlError::Connect { path, source }),
    }
}

/// Whether a server answers on the control socket of `data_dir`.
pub fn server_answers(data_dir: &Path) -> Result<bool, ControlError> {
    match connect(data_dir)? {
        Some(client) => Ok(client.request(&Request::Ping).is_ok()),
        None => Ok(false),
    }
}

impl ControlClient {
    /// Sends one request and reads the answer; an error answer becomes `Refused`.
    pub fn request(mut self, request: &Request) -> Result<String, ControlError> {
        self.send(request)?;
        self.answer()
    }

    /// Asks for a backup and copies the stream that follows into `out`; answers the bytes
    /// copied. The caller checks the copy (a server that fails mid-way just closes).
    pub fn backup(mut self, include_key: bool, out: &mut impl Write) -> Result<u64, ControlError> {
        self.send(&Request::Backup { include_key })?;
        self.answer()?;
        Ok(std::io::copy(&mut self.stream, out)?)
    }

    /// Sends an import and its files; answers the report.
    pub fn import(mut self, request: &Request, kv: &[u8], config: Option<&[u8]>) -> Result<String, ControlError> {
        self.send(request)?;
        self.stream.get_mut().write_all(kv)?;
        if let Some(config) = config {
            self.stream.get_mut().write_all(config)?;
        }
        self.answer_up_to(REPORT_MOST_BYTES)
    }

    fn send(&mut self, request: &Request) -> Result<(), ControlError> {
        let mut line = serde_json::to_string(request).map_err(|e| ControlError::BadAnswer(e.to_string()))?;
        line.push('\n');
        self.stream.get_mut().write_all(line.as_bytes())?;
        Ok(())
    }

    fn answer(&mut self) -> Result<String, ControlError> {
        self.answer_up_to(64 * 1024)
    }

    fn answer_up_to(&mut self, most: u64) -> Result<String, ControlError> {
        let mut line = String::new();
        (&mut self.stream).take(most).read_line(&mut line)?;
        let response: Response = serde_json::from_str(&line)
            .map_err(|_| ControlError::BadAnswer(line.trim().chars().take(200).collect()))?;
        match response {
            Response { ok: true, message, .. } => Ok(message.unwrap_or_default()),
            Response { error, .. } => Err(ControlError::Refused(error.unwrap_or_else(|| "no reason given".into()))),
        }
    }
}
