//! The ingest pipeline: three threads, each batch passing through them in order.
//!
//! 1. The writer gathers the webhooks waiting (for a fraction of a millisecond when only a
//!    few are), checks their dedup keys in memory, and stores each as one event record with
//!    one sled batch.
//! 2. The flusher flushes, once for every batch stored before the flush began, then answers
//!    them: a 200 means "on disk".
//! 3. The copier copies the batches' deliveries into the outbox trees (`outbox_copy`).
//!
//! Why: sled 0.34 pays a fixed cost per write call, per inserted key and per flush, and
//! that cost, not the disk, limited intake. One insert per webhook, gathered into few
//! batches and few flushes, with the outbox copy after the answer, keeps the acknowledged
//! path short while still storing everything before the answer.

use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::dedup::RecentKeys;
use super::events::{store_batch, IngestJob};
use super::gate::WriteGate;
use super::outbox_copy::{copy_to_outbox, CopyProgress, OutboxCopies};
use super::{Ids, IngestOutcome, Seam, StoreError, Trees};

/// Largest number of webhooks stored in one batch.
const MAX_BATCH: usize = 512;

/// How long the writer waits for more webhooks once one arrived. Under load this turns
/// many small writes and flushes into a few large ones; alone, a webhook waits this long.
const GATHER: Duration = Duration::from_micros(300);

/// How soon a failed outbox copy is tried again.
const COPY_RETRY: Duration = Duration::from_secs(1);

type Reply = oneshot::Sender<Result<IngestOutcome, StoreError>>;

/// A stored batch on its way through the pipeline.
struct Stored {
    replies: Vec<Reply>,
    outcomes: Vec<IngestOutcome>,
    copies: OutboxCopies,
    /// Its number in `CopyProgress`.
    number: u64,
}

/// What the pipeline's threads share.
pub(super) struct Pipeline {
    pub db: sled::Db,
    pub trees: Trees,
    pub gate: WriteGate,
    pub ids: Ids,
    pub recent: Arc<Mutex<RecentKeys>>,
    pub progress: Arc<CopyProgress>,
    /// Where write and flush outcomes are reported (and, in tests, faults injected).
    pub seam: Seam,
}

pub(super) struct IngestWriter {
    jobs: Option<mpsc::Sender<(IngestJob, Reply)>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for IngestWriter {
    /// Closes the queue and waits for the threads (each ends when the one before it does),
    /// so every stored webhook is flushed, answered and copied on return.
    fn drop(&mut self) {
        self.jobs.take();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl IngestWriter {
    /// Starts the three threads; they end when the writer is dropped.
    pub(super) fn start(pipeline: Pipeline) -> std::io::Result<IngestWriter> {
        let Pipeline { db, trees, gate, ids, recent, progress, seam } = pipeline;
        let flush_seam = seam.clone();
        let (jobs, queue) = mpsc::channel::<(IngestJob, Reply)>();
        let (to_flush, flush_queue) = mpsc::channel::<Stored>();
        let (to_copy, copy_queue) = mpsc::channel::<(OutboxCopies, u64)>();
        let (copy_trees, copy_gate, copy_progress) = (trees.clone(), gate.clone(), progress.clone());
        let copier = spawn("jirabridge-copy", move || {
            // Copies that failed (a full disk) are kept and tried again, before and together
            // with later ones: the mark must not pass an event whose deliveries are not in.
            let mut failed: Option<(OutboxCopies, u64)> = None;
            loop {
                let next = match failed {
                    Some(_) => copy_queue.recv_timeout(COPY_RETRY),
                    None => copy_queue.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                };
                let closed = matches!(next, Err(mpsc::RecvTimeoutError::Disconnected));
                let (mut copies, mut last) = match (failed.take(), next) {
                    (Some((mut earlier, _)), Ok((more, number))) => {
                        earlier.append(more);
                        (earlier, number)
                    }
                    (Some(earlier), Err(_)) => earlier,
                    (None, Ok(first)) => first,
                    (None, Err(_)) => break,
                };
                for (more, number) in copy_queue.try_iter() {
                    copies.append(more);
                    last = number;
                }
                let copied = {
                    let _gate = copy_gate.shared();
                    copy_to_outbox(&copy_trees, &copies, true)
                };
                if let Err(e) = &copied {
                    // The events hold the deliveries: the next start copies them if no retry
                    // here succeeds first.
                    tracing::warn!(error = %e, "copying new deliveries into the outbox failed; trying again");
                    failed = Some((copies, last));
                }
                // Readers wait for this number; they must not wait on a disk that is full.
                copy_progress.copied(last);
                if closed {
                    break;
                }
            }
        })?;
        let flusher = spawn("jirabridge-flush", move || {
            while let Ok(first) = flush_queue.recv() {
                let mut waiting = vec![first];
                waiting.extend(flush_queue.try_iter());
                flush_and_answer(&db, &flush_seam, waiting, &to_copy);
            }
        })?;
        let writer = spawn("jirabridge-ingest", move || {
            while let Ok(first) = queue.recv() {
                let batch = gather(first, &queue);
                if let Some(stored) = write_batch(&trees, &gate, &ids, &recent, &progress, &seam, batch) {
                    if let Err(mpsc::SendError(stored)) = to_flush.send(stored) {
                        fail_all(stored.replies, &StoreError::Stopped);
                    }
                }
            }
        })?;
        Ok(IngestWriter { jobs: Some(jobs), threads: vec![writer, flusher, copier] })
    }

    /// Queues one webhook and waits until it is stored and flushed.
    pub(super) async fn ingest(&self, job: IngestJob) -> Result<IngestOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.as_ref().ok_or(StoreError::Stopped)?.send((job, reply)).map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}

/// The first job and whatever else arrives within [`GATHER`], up to [`MAX_BATCH`].
fn gather(first: (IngestJob, Reply), queue: &mpsc::Receiver<(IngestJob, Reply)>) -> Vec<(IngestJob, Reply)> {
    let deadline = Instant::now() + GATHER;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = if left.is_zero() { queue.try_recv().ok() } else { queue.recv_timeout(left).ok() };
        match next {
            Some(job) => batch.push(job),
            None => break,
        }
    }
    batch
}

/// Stores one batch. On success it goes on to the flusher; on failure its webhooks are
/// answered at once.
fn write_batch(
    trees: &Trees,
    gate: &WriteGate,
    ids: &Ids,
    recent: &Mutex<RecentKeys>,
    progress: &CopyProgress,
    seam: &Seam,
    batch: Vec<(IngestJob, Reply)>,
) -> Option<Stored> {
    let (jobs, replies): (Vec<IngestJob>, Vec<Reply>) = batch.into_iter().unzip();
    let stored = seam.before_write().and_then(|()| {
        let _gate = gate.shared();
        store_batch(trees, ids, recent, jobs).map(|(outcomes, copies)| (outcomes, copies, progress.stored()))
    });
    seam.wrote(&stored);
    match stored {
        Ok((outcomes, copies, number)) => Some(Stored { replies, outcomes, copies, number }),
        Err(e) => {
            fail_all(replies, &e);
            None
        }
    }
}

/// One flush for every batch stored before it began, then their answers; then the batches
/// go on to the copier (also after a failed flush: their events are in the tree).
fn flush_and_answer(db: &sled::Db, seam: &Seam, waiting: Vec<Stored>, to_copy: &mpsc::Sender<(OutboxCopies, u64)>) {
    let flushed = seam.flush(db);
    for stored in waiting {
        match &flushed {
            Ok(_) => {
                for (reply, outcome) in stored.replies.into_iter().zip(stored.outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => fail_all(stored.replies, e),
        }
        let _ = to_copy.send((stored.copies, stored.number));
    }
}

fn fail_all(replies: Vec<Reply>, e: &StoreError) {
    // The store's health says once, at error level, that the store cannot write.
    tracing::warn!(error = %e, webhooks = replies.len(), "storing webhooks failed; they are answered 503");
    for reply in replies {
        let _ = reply.send(Err(StoreError::Batch(e.to_string())));
    }
}

fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name(name.into()).spawn(work)
}
