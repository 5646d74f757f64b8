//! The ingest writer: one thread that stores webhooks in batches. Each batch is one sled
//! transaction followed by one flush, and every webhook in it is answered after that flush.
//!
//! sled runs transactions one at a time behind a global lock, so many small transactions
//! from HTTP workers queue behind each other and behind flushes. Batching turns N
//! transactions and N flush waits into one of each, and keeps HTTP workers off sled.

use std::sync::mpsc;

use tokio::sync::oneshot;

use super::events::{ingest_batch, IngestJob};
use super::{IngestOutcome, StoreError, Trees};

/// Largest number of webhooks stored in one transaction.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<IngestOutcome, StoreError>>;

pub(super) struct IngestWriter {
    jobs: Option<mpsc::Sender<(IngestJob, Reply)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for IngestWriter {
    /// Closes the queue and waits for the thread, so the database is closed on return.
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl IngestWriter {
    /// Starts the writer thread; it ends when the writer is dropped.
    pub(super) fn start(db: sled::Db, trees: Trees) -> std::io::Result<IngestWriter> {
        let (jobs, queue) = mpsc::channel::<(IngestJob, Reply)>();
        let thread = std::thread::Builder::new().name("jirabridge-ingest".into()).spawn(move || {
            while let Ok(first) = queue.recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                write_batch(&db, &trees, batch);
            }
        })?;
        Ok(IngestWriter { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Queues one webhook and waits until it is stored and flushed.
    pub(super) async fn ingest(&self, job: IngestJob) -> Result<IngestOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.as_ref().ok_or(StoreError::Stopped)?.send((job, reply)).map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}

fn write_batch(db: &sled::Db, trees: &Trees, batch: Vec<(IngestJob, Reply)>) {
    let (jobs, replies): (Vec<IngestJob>, Vec<Reply>) = batch.into_iter().unzip();
    let outcomes = ingest_batch(trees, &jobs).and_then(|outcomes| {
        db.flush()?;
        Ok(outcomes)
    });
    match outcomes {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, webhooks = replies.len(), "storing webhooks failed; they are answered 503");
            for reply in replies {
                let _ = reply.send(Err(StoreError::Batch(e.to_string())));
            }
        }
    }
}
