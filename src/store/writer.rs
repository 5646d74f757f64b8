//! The ingest writer: one thread that stores webhooks in batches, one sled transaction per
//! batch, and a second thread that flushes and answers. Every webhook is answered only
//! after a flush that began after its transaction committed, so its 200 means "on disk".
//!
//! sled runs transactions one at a time behind a global lock, so many small transactions
//! from HTTP workers queue behind each other and behind flushes. Batching turns N
//! transactions and N flush waits into one of each, and keeps HTTP workers off sled.
//! Handing the flush to its own thread lets the next batch's transaction run while the
//! previous batch is being written to disk, and batches that finish during a flush share
//! the next one.

use std::sync::mpsc;

use tokio::sync::oneshot;

use super::events::{ingest_batch, IngestJob};
use super::gate::WriteGate;
use super::{IngestOutcome, StoreError, Trees};

/// Largest number of webhooks stored in one transaction.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<IngestOutcome, StoreError>>;

/// Stored webhooks waiting for a flush: their replies and what storing them found.
type Stored = (Vec<Reply>, Vec<IngestOutcome>);

pub(super) struct IngestWriter {
    jobs: Option<mpsc::Sender<(IngestJob, Reply)>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for IngestWriter {
    /// Closes the queue and waits for both threads (the flusher ends when the writer does),
    /// so every stored webhook is flushed and answered, and the database is closed, on return.
    fn drop(&mut self) {
        self.jobs.take();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl IngestWriter {
    /// Starts the writer thread; it ends when the writer is dropped.
    pub(super) fn start(db: sled::Db, trees: Trees, gate: WriteGate) -> std::io::Result<IngestWriter> {
        let (jobs, queue) = mpsc::channel::<(IngestJob, Reply)>();
        let (to_flush, flush_queue) = mpsc::channel::<Stored>();
        let flusher = std::thread::Builder::new().name("jirabridge-flush".into()).spawn(move || {
            while let Ok(first) = flush_queue.recv() {
                let mut waiting = vec![first];
                waiting.extend(flush_queue.try_iter());
                flush_and_answer(&db, waiting);
            }
        })?;
        let writer = std::thread::Builder::new().name("jirabridge-ingest".into()).spawn(move || {
            while let Ok(first) = queue.recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                if let Some(stored) = write_batch(&trees, &gate, batch) {
                    if let Err(mpsc::SendError((replies, _))) = to_flush.send(stored) {
                        fail_all(replies, &StoreError::Stopped);
                    }
                }
            }
        })?;
        Ok(IngestWriter { jobs: Some(jobs), threads: vec![writer, flusher] })
    }

    /// Queues one webhook and waits until it is stored and flushed.
    pub(super) async fn ingest(&self, job: IngestJob) -> Result<IngestOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.as_ref().ok_or(StoreError::Stopped)?.send((job, reply)).map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}

/// Stores one batch in one transaction. On success the replies wait for the flusher; on
/// failure they are answered at once.
fn write_batch(trees: &Trees, gate: &WriteGate, batch: Vec<(IngestJob, Reply)>) -> Option<Stored> {
    let (jobs, replies): (Vec<IngestJob>, Vec<Reply>) = batch.into_iter().unzip();
    let stored = {
        let _gate = gate.shared();
        ingest_batch(trees, &jobs)
    };
    match stored {
        Ok(outcomes) => Some((replies, outcomes)),
        Err(e) => {
            fail_all(replies, &e);
            None
        }
    }
}

/// One flush for every batch that committed before it began, then their answers.
fn flush_and_answer(db: &sled::Db, waiting: Vec<Stored>) {
    match db.flush() {
        Ok(_) => {
            for (replies, outcomes) in waiting {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
        }
        Err(e) => {
            let e = StoreError::from(e);
            for (replies, _) in waiting {
                fail_all(replies, &e);
            }
        }
    }
}

fn fail_all(replies: Vec<Reply>, e: &StoreError) {
    tracing::error!(error = %e, webhooks = replies.len(), "storing webhooks failed; they are answered 503");
    for reply in replies {
        let _ = reply.send(Err(StoreError::Batch(e.to_string())));
    }
}
