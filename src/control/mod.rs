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

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// What the running server does with an `import_plugin` request (the application supplies
/// it: the import must also refresh what the process keeps in memory).
pub trait Importer: Send + Sync {
    /// Imports `kv` (and `config`, Mattermost's `config.json`); answers the report as text
    /// (or JSON when `json`), or the sentence saying why nothing was imported.
    fn import(
        &self,
        kv: Vec<u8>,
        config: Option<Vec<u8>>,
        options: crate::plugin_import::Options,
        json: bool,
    ) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send + '_>>;
}

/// The control socket of the store at `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}
