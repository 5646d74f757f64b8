//! Keeping the process answerable whatever the store does (SPEC §3.6, §4.6).
//!
//! A thread of its own, with a small runtime of its own, so that nothing it does waits on the
//! threads that may be stuck inside sled:
//! * every 5 s a probe writes and flushes a key (`Store::probe`, on a blocking thread, with a
//!   deadline). Its outcome is the store's health (`/readyz`, webhooks 503 or 200), so the
//!   store is found writable again without an operator once space is back;
//! * under systemd, `WATCHDOG=1` follows every probe that answered, error or not: only a
//!   probe hung in sled withholds it, and systemd restarts a process that is stuck;
//! * when sled keeps failing while the data directory takes a 1 MiB fsynced file (space is
//!   back, but sled 0.34 keeps its I/O error until the database is opened again), the
//!   process exits with status 75 and the unit's `Restart=on-failure` starts it afresh;
//! * after SIGTERM or SIGINT, if the graceful stop has not ended the process within
//!   `server.shutdown_grace_secs` + 5 s (a flush hung in sled), it is ended.
//!
//! The last two only when the application is the whole process (`serve`), never in tests.

use std::time::Duration;

use tokio::sync::oneshot;

use crate::store::{Store, STORE_DEADLINE};

/// How often the store is probed.
pub const PROBE_EVERY: Duration = Duration::from_secs(5);

/// Exit status asking the service manager for a restart: sled cannot recover in process.
pub const EXIT_STORE_UNRECOVERABLE: i32 = 75;

/// Probes in a row that find sled failing while the disk takes writes before the process
/// exits 75 (one failure may be the moment space ran out).
const UNRECOVERABLE_AFTER: u32 = 2;

/// The same for a probe hung in sled: a flush can be slow on a busy disk without anything
/// being wrong, so a hang counts only after a minute (under systemd the watchdog, at 30 s,
/// restarts a hung process first).
const HUNG_UNRECOVERABLE_AFTER: u32 = 12;

/// What the liveness thread may do.
#[derive(Debug, Clone)]
pub struct LivenessOptions {
    pub probe_every: Duration,
    /// Send `WATCHDOG=1` to systemd.
    pub watchdog: bool,
    /// The application is the whole process: exit 75 when sled cannot recover, and end the
    /// process once a stop signal's grace period is over.
    pub own_process: bool,
    /// `server.shutdown_grace_secs`.
    pub shutdown_grace: Duration,
}

/// The running liveness thread; dropping it stops the thread.
pub struct Liveness {
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Liveness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the liveness thread for `store`.
pub fn start(store: Store, options: LivenessOptions) -> std::io::Result<Liveness> {
    let (stop, stopped) = oneshot::channel();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    std::thread::Builder::new().name("jirabridge-liveness".into()).spawn(move || {
        runtime.block_on(async move {
            tokio::select! {
                () = probe_forever(store, &options) => {}
                () = end_after_stop_signal(&options) => {}
                _ = stopped => {}
            }
        });
        // A probe hung in sled must not keep this thread waiting for it.
        runtime.shutdown_background();
    })?;
    Ok(Liveness { stop: Some(stop) })
}

async fn probe_forever(store: Store, options: &LivenessOptions) {
    let mut hung: Option<tokio::task::JoinHandle<Result<(), crate::store::StoreError>>> = None;
    let mut unrecoverable = 0;
    let mut disk_full_said = false;
    loop {
        tokio::time::sleep(options.probe_every).await;
        // A probe still hung from before is waited on again rather than joined by another.
        let mut probe = hung.take().unwrap_or_else(|| {
            let store = store.clone();
            tokio::task::spawn_blocking(move || store.probe())
        });
        let answer = tokio::time::timeout(STORE_DEADLINE, &mut probe).await;
        let sled_answered = answer.is_ok();
        match answer {
            Ok(Ok(Ok(()))) => {
                unrecoverable = 0;
                disk_full_said = false;
                watchdog(options);
                continue;
            }
            Ok(Ok(Err(e))) => tracing::debug!(error = %e, "store probe failed"),
            Ok(Err(e)) => tracing::error!(error = %e, "store probe task failed"),
            Err(_) => {
                store.mark_stuck("the store probe did not finish within its deadline");
                hung = Some(probe);
            }
        }
        if sled_answered {
            watchdog(options);
        }
        let needed = if sled_answered { UNRECOVERABLE_AFTER } else { HUNG_UNRECOVERABLE_AFTER };
        unrecoverable = match store.probe_disk() {
            Ok(()) => unrecoverable + 1,
            Err(e) => {
                if !disk_full_said {
                    tracing::warn!(error = %e, "the data directory does not take writes either (disk full?); waiting for space");
                    disk_full_said = true;
                }
                0
            }
        };
        if unrecoverable >= needed && options.own_process {
            tracing::error!(
                status = EXIT_STORE_UNRECOVERABLE,
                "the disk takes writes again but the database does not recover without reopening; exiting so the service manager restarts jirabridge"
            );
            std::process::exit(EXIT_STORE_UNRECOVERABLE);
        }
    }
}

fn watchdog(options: &LivenessOptions) {
    if options.watchdog {
        crate::service_manager::notify("WATCHDOG=1");
    }
}

/// Ends the process when a stop signal's graceful stop takes longer than the grace period
/// plus 5 s. Signals reach every runtime that listens, so this one sees them even when the
/// main runtime's threads are stuck in sled.
async fn end_after_stop_signal(options: &LivenessOptions) {
    if !options.own_process {
        return std::future::pending().await;
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tokio::time::sleep(options.shutdown_grace + Duration::from_secs(5)).await;
        tracing::error!("the graceful stop did not finish in time (the store may be stuck); ending the process");
        std::process::exit(1);
    }
    #[cfg(not(unix))]
    std::future::pending().await
}
