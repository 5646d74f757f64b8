//! Signals: SIGHUP reads the configuration again (`systemctl reload`), SIGTERM and SIGINT
//! stop the process gracefully.

use tokio::sync::watch;

use crate::live_config::{ReloadOutcome, Settings};

#[cfg(unix)]
pub(super) type Hangups = tokio::signal::unix::Signal;
#[cfg(not(unix))]
pub(super) type Hangups = ();

/// Takes SIGHUP over from its default (ending the process), so a `systemctl reload` that
/// arrives while the store opens waits to be answered once jirabridge serves.
pub(super) fn listen_for_hangups() -> Option<Hangups> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::hangup()) {
            Ok(hangups) => Some(hangups),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP; `systemctl reload` will not reach jirabridge");
                None
            }
        }
    }
    #[cfg(not(unix))]
    None
}

/// `kill -HUP` (`systemctl reload jirabridge`): the config file is read again and put in
/// force like a change made in the console; a file with errors changes nothing.
pub(super) async fn reload_on_hangup(settings: Settings, hangups: Option<Hangups>, notify: bool) {
    #[cfg(unix)]
    {
        let Some(mut hangups) = hangups else { return };
        while hangups.recv().await.is_some() {
            let reloading = settings.clone();
            if notify {
                crate::service_manager::notify("RELOADING=1");
            }
            let outcome = tokio::task::spawn_blocking(move || reloading.reload_from_sources()).await;
            if notify {
                crate::service_manager::notify("READY=1");
            }
            match outcome {
                Ok(Ok(ReloadOutcome::Applied { waiting_for_restart })) => {
                    tracing::info!("configuration read again (SIGHUP) and in force");
                    for key in waiting_for_restart {
                        tracing::warn!("{key} changed in the configuration; it applies when jirabridge restarts");
                    }
                    let config = settings.current();
                    for hint in config.notes() {
                        tracing::warn!("{hint}");
                    }
                }
                Ok(Ok(ReloadOutcome::Refused(errors))) => tracing::error!(
                    errors = %errors.join("; "),
                    "configuration not reloaded: it has errors, so jirabridge keeps the one in force; `jirabridge check-config` lists them"
                ),
                Ok(Err(e)) => tracing::error!(error = %e, "configuration reload failed; the one in force is kept"),
                Err(e) => tracing::error!(error = %e, "configuration reload task failed"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (settings, hangups, notify);
        std::future::pending::<()>().await;
    }
}

/// Waits for SIGTERM, SIGINT or `stop` turning true.
pub(super) async fn wait_for_stop(stop: Option<watch::Receiver<bool>>) {
    let external = async move {
        match stop {
            Some(mut rx) => {
                let _ = rx.wait_for(|stopped| *stopped).await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            external.await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = external => {}
        }
    }
    #[cfg(not(unix))]
    external.await;
}
