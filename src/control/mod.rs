//! The control socket: how `jirabridge backup` and `admin set-password` reach a running
//! server, which holds sled's lock on the store (SPEC §1.4).
//!
//! `serve` listens on `<store.path>/control.sock` (mode 0600, so only the service user and
//! root connect; there is no network listener). The protocol is one JSON request line and
//! one JSON response line (`protocol`); a backup then streams the file's bytes until the
//! server closes the connection. New commands are new [`protocol::Request`] variants.

pub mod client;
pub mod protocol;
pub mod server;

use std::path::{Path, PathBuf};

/// The control socket of the store at `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}
