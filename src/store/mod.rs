//! The embedded database: the only module that imports `sled`.
//!
//! Opening checks the schema version, runs migrations and opens every tree of
//! [`schema::TREES`]. A change spanning trees is one transaction (except an outbox outcome,
//! see `deliveries`); writers needing durability await [`Store::durable`] (group commit).

mod admin_data;
mod admin_users;
mod catalog;
pub mod codec;
mod commands;
mod connections;
mod dedup;
mod deliveries;
mod direct_messages;
mod event_codec;
mod events;
pub mod export;
#[cfg(feature = "fault-injection")]
mod faults;
mod flush;
mod gate;
mod health;
mod import_writes;
mod issue_facts;
mod migrations;
#[cfg(test)]
mod old_layouts;
mod onetime;
mod outbox_copy;
mod pending_routing;
mod queries;
pub mod records;
mod roots;
pub mod schema;
mod sealed;
mod secrets;
mod sessions;
mod settings;
mod states;
mod templates;
#[cfg(test)]
mod test_events;
mod trees;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use trees::Trees;

pub use catalog::CatalogEntry;
pub use commands::CommandRegistration;
pub use connections::expired::KeptChoices;
pub use connections::{Connection, ConnectionAuth, JiraUser, MattermostUser, NotificationSettings};
pub use deliveries::{DueDelivery, OutboxCounts};
pub use events::{IngestOutcome, NewDelivery, NewEvent, NewIssueFacts};
pub use export::{BackupError, BackupHeader, TreeContents};
#[cfg(feature = "fault-injection")]
pub use faults::Faults;
pub use health::{Writability, STORE_DEADLINE};
pub use import_writes::ImportWrites;
pub use secrets::{
    master_key_path, read_master_key_text, secret_names, write_master_key_text, MasterKey, StoredSecret,
};

/// Errors of the storage layer. The messages are for operators; callers map them to 503/500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored record could not be decoded: {0}")]
    Codec(String),
    #[error("the data in {path} was written by a newer jirabridge (schema {found}, this binary knows {known}); upgrade jirabridge or restore a backup")]
    TooNew { path: PathBuf, found: u32, known: u32 },
    #[error("the database at {path} is locked or cannot be opened: {source}. Is another jirabridge running with the same store.path?")]
    Open { path: PathBuf, source: sled::Error },
    #[error("no space left on the disk of {path}: free some space (old backups, logs); jirabridge can start once the database can be written")]
    NoSpace { path: PathBuf },
    #[error("waiting for the database to reach disk took too long")]
    FlushTimeout,
    #[error("the database did not answer within {} s", STORE_DEADLINE.as_secs())]
    Deadline,
    #[error("the store is shutting down")]
    Stopped,
    #[error("storing failed: {0}")]
    Batch(String),
    #[error("master key: {0}")]
    Key(String),
}

impl<E: Into<StoreError>> From<sled::transaction::TransactionError<E>> for StoreError {
    fn from(e: sled::transaction::TransactionError<E>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(inner) => inner.into(),
            sled::transaction::TransactionError::Storage(inner) => StoreError::Sled(inner),
        }
    }
}

/// Handle to the open database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    path: PathBuf,
    trees: Trees,
    commit: flush::GroupCommit,
    writer: Option<writer::IngestWriter>,
    gate: gate::WriteGate,
    /// Held around each change to an existing delivery (record, then lane entry; `deliveries`).
    outbox_changes: Mutex<()>,
    ids: Ids,
    /// Dedup keys of recent events (see `dedup`), shared with the ingest writer.
    recent: Arc<Mutex<dedup::RecentKeys>>,
    progress: Arc<outbox_copy::CopyProgress>,
    health: Arc<health::Health>,
    /// The last probe time stored by an earlier process (see `Store::previous_heartbeat_ms`).
    heartbeat_at_open: Option<u64>,
    #[cfg(feature = "fault-injection")]
    faults: Arc<faults::Faults>,
}

/// Hands out ids: sled's counter, monotonic across restarts, above a restored backup's ids.
#[derive(Clone)]
struct Ids {
    db: sled::Db,
    /// Added to sled's id counter: a restored database starts its counter at 0 again, so
    /// the ids it hands out must start above those in the backup (see `backup`).
    floor: u64,
}

impl Ids {
    fn next(&self) -> Result<u64, StoreError> {
        // +1 keeps 0 free as "no id".
        Ok(self.db.generate_id()? + 1 + self.floor)
    }
}

/// Options for [`Store::open`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub flush_interval_ms: u64,
    pub cache_capacity_mb: u64,
    /// The dedup window at start: keys of events this young are read back into memory.
    pub dedup_window_ms: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { flush_interval_ms: 2, cache_capacity_mb: 64, dedup_window_ms: 600_000 }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `<data_dir>/db`.
    pub fn open(data_dir: &Path, options: &StoreOptions) -> Result<Store, StoreError> {
        let path = data_dir.join("db");
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Open { path: data_dir.to_path_buf(), source: sled::Error::Io(e) })?;
        let db = open_db(&path, options).map_err(|source| match &source {
            sled::Error::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => {
                StoreError::NoSpace { path: path.clone() }
            }
            _ => StoreError::Open { path: path.clone(), source },
        })?;
        migrations::check_and_migrate(&db, &path)?;
        let trees = Trees::open(&db)?;
        let ids = Ids { db: db.clone(), floor: export::read_id_floor(&trees.meta)? };
        let recent = Arc::new(Mutex::new(outbox_copy::recover(&trees, options.dedup_window_ms, now_ms())?));
        let health = Arc::new(health::Health::default());
        let heartbeat_at_open = health::stored_heartbeat(&trees)?;
        #[cfg(feature = "fault-injection")]
        let faults = Arc::new(faults::Faults::default());
        let seam = Seam {
            health: health.clone(),
            #[cfg(feature = "fault-injection")]
            faults: faults.clone(),
        };
        let commit = flush::GroupCommit::start(db.clone(), options.flush_interval_ms, seam.clone());
        let gate = gate::WriteGate::default();
        let progress = Arc::new(outbox_copy::CopyProgress::default());
        // The batching writer pays off only with concurrent webhooks, i.e. in the server.
        let writer = match tokio::runtime::Handle::try_current() {
            Ok(_) => {
                let pipeline = writer::Pipeline {
                    db: db.clone(),
                    trees: trees.clone(),
                    gate: gate.clone(),
                    ids: ids.clone(),
                    recent: recent.clone(),
                    progress: progress.clone(),
                    seam: seam.clone(),
                };
                Some(
                    writer::IngestWriter::start(pipeline)
                        .map_err(|e| StoreError::Open { path: path.clone(), source: sled::Error::Io(e) })?,
                )
            }
            Err(_) => None,
        };
        let inner = Inner {
            db,
            path,
            trees,
            commit,
            writer,
            gate,
            outbox_changes: Mutex::new(()),
            ids,
            recent,
            progress,
            health,
            heartbeat_at_open,
            #[cfg(feature = "fault-injection")]
            faults,
        };
        Ok(Store { inner: Arc::new(inner) })
    }

    /// Reads the dedup keys of the events younger than `window_ms` back into memory when
    /// that reaches further back than the window the store was opened with (a longer
    /// `webhook.dedup_window_secs` saved in the console, which is read after the store
    /// opens). Call it before the first webhook is taken: it replaces what is in memory.
    pub fn widen_dedup_window(&self, window_ms: u64, opened_with_ms: u64) -> Result<(), StoreError> {
        if window_ms > opened_with_ms {
            let wider = outbox_copy::recent_keys(&self.inner.trees, window_ms, now_ms())?;
            *self.inner.recent.lock().unwrap_or_else(|p| p.into_inner()) = wider;
        }
        Ok(())
    }

    /// Directory of the sled database.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Waits until every write made before this call is on disk.
    pub async fn durable(&self) -> Result<(), StoreError> {
        self.inner.commit.durable().await
    }

    /// Flushes synchronously (shutdown, command-line tools).
    pub fn flush_now(&self) -> Result<(), StoreError> {
        self.seam().flush(&self.inner.db)
    }

    fn next_id(&self) -> Result<u64, StoreError> {
        self.inner.ids.next()
    }

    /// Waits until the deliveries of every stored webhook are in the outbox trees (see
    /// `outbox_copy`); every reader of deliveries calls it first.
    fn outbox_settled(&self) {
        if self.inner.writer.is_some() {
            self.inner.progress.wait();
        }
    }

    /// Held shared around each change, so a backup sees whole changes only (see `gate`).
    /// Taking it is where a test's injected write failure shows.
    fn write_gate(&self) -> Result<std::sync::RwLockReadGuard<'_, ()>, StoreError> {
        #[cfg(feature = "fault-injection")]
        self.inner.faults.write()?;
        Ok(self.inner.gate.shared())
    }

    /// One insert under the write gate.
    fn write_gate_insert(&self, tree: &sled::Tree, key: &[u8], value: Vec<u8>) -> Result<(), StoreError> {
        let _gate = self.write_gate()?;
        tree.insert(key, value)?;
        Ok(())
    }

    fn trees(&self) -> &Trees {
        &self.inner.trees
    }

    fn seam(&self) -> Seam {
        Seam {
            health: self.inner.health.clone(),
            #[cfg(feature = "fault-injection")]
            faults: self.inner.faults.clone(),
        }
    }
}

/// What the writing threads report to and (in tests) are failed by.
#[derive(Clone)]
pub(super) struct Seam {
    health: Arc<health::Health>,
    #[cfg(feature = "fault-injection")]
    faults: Arc<faults::Faults>,
}

impl Seam {
    /// A flush of the whole database, its outcome reported to the store's health.
    fn flush(&self, db: &sled::Db) -> Result<(), StoreError> {
        #[cfg(feature = "fault-injection")]
        let flushed = self.faults.flush().and_then(|()| Ok(db.flush().map(|_| ())?));
        #[cfg(not(feature = "fault-injection"))]
        let flushed = db.flush().map(|_| ()).map_err(StoreError::from);
        match &flushed {
            Ok(()) => self.health.writable(),
            Err(e) => self.health.failed(&e.to_string()),
        }
        flushed
    }

    /// A batch write's outcome (the write itself is the caller's).
    fn wrote<T>(&self, outcome: &Result<T, StoreError>) {
        if let Err(e) = outcome {
            self.health.failed(&e.to_string());
        }
    }

    #[cfg(feature = "fault-injection")]
    fn before_write(&self) -> Result<(), StoreError> {
        self.faults.write()
    }

    #[cfg(not(feature = "fault-injection"))]
    fn before_write(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// How long opening waits for the database's lock file. A store closed a moment ago can
/// hold it briefly (sled's IO threads finish their last writes after the close), so a
/// reopen in the same process (tests, a restore) waits instead of failing; a second
/// jirabridge on the same store still fails, after this long.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

fn open_db(path: &Path, options: &StoreOptions) -> Result<sled::Db, sled::Error> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        let opened = sled::Config::new().path(path).cache_capacity(options.cache_capacity_mb * 1024 * 1024).open();
        match opened {
            // sled reports a held lock only as this text (its `try_lock`).
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                if std::time::Instant::now() >= deadline {
                    return Err(sled::Error::Io(e));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

use crate::utc::now_ms;
