//! Wiring: config → store, clients, worker, HTTP server; and a graceful stop on SIGTERM.
//!
//! `Application::build` binds the listener (port 0 works) so tests start the real app
//! in-process and ask it for its port.

use std::net::TcpListener;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use anyhow::Context;
use tokio::sync::watch;

mod importer;
mod master_key;
mod signals;

use crate::config::{Config, LoadedConfig};
use crate::control::server::ControlServer;
use crate::delivery::Worker;
use crate::ingest::Ingest;
use crate::live_config::Settings;
use crate::mattermost::channels::ChannelCache;
use crate::mattermost::MattermostClient;
use crate::routes;
use crate::secrets::webhook::{self as secret, Origin};
use crate::store::{Store, StoreOptions};
use crate::telemetry::Metrics;
use crate::utc::now_ms;
use crate::web::AppState;

/// How the application runs its background work.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run the delivery worker in the background (tests drive it by hand instead).
    pub background_worker: bool,
    /// Tell systemd how the service is doing (`serve` only: an in-process server in a test
    /// must not notify a unit it happens to run under).
    pub notify_systemd: bool,
    /// The application is the whole process (`serve`): it may end it, with status 75 when
    /// the store cannot recover, or when a stop signal's graceful stop hangs (`liveness`).
    pub own_process: bool,
    /// How often the store is probed (`liveness`).
    pub probe_every: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            background_worker: true,
            notify_systemd: false,
            own_process: false,
            probe_every: crate::liveness::PROBE_EVERY,
        }
    }
}

/// A built, listening application.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    state: web::Data<AppState>,
    worker: Arc<Worker>,
    options: RunOptions,
    control: Option<ControlServer>,
    hangups: Option<signals::Hangups>,
}

impl Application {
    pub async fn build(loaded: LoadedConfig, options: RunOptions) -> anyhow::Result<Application> {
        let hangups = signals::listen_for_hangups();
        let store_options = StoreOptions {
            flush_interval_ms: loaded.config.store.flush_interval_ms,
            cache_capacity_mb: loaded.config.store.cache_capacity_mb,
            dedup_window_ms: loaded.config.webhook.dedup_window_secs.saturating_mul(1000),
        };
        let store = Store::open(&loaded.config.store.path, &store_options)?;
        let key = master_key::open(&store, &loaded.config)?;
        let settings = Settings::load(loaded, store.clone(), key.clone())?;
        let config = settings.current();
        // Logging started with the file and environment; a level saved in the console (which
        // they do not pin) applies from here on.
        crate::telemetry::logging::set_level(&config.log.level);
        // ...and so does a longer dedup window: a Jira retry after a restart is still caught.
        store
            .widen_dedup_window(config.webhook.dedup_window_secs.saturating_mul(1000), store_options.dedup_window_ms)?;
        let (secrets, origin) = secret::load_or_generate(config.webhook.secret.expose(), &store, &key, now_ms())?;
        let metrics = Metrics::new();
        let timeout = Duration::from_secs(config.mattermost.request_timeout_secs);
        let mattermost = MattermostClient::new(&config.mattermost.url, config.mattermost.bot_token.expose(), timeout);
        let channels = Arc::new(ChannelCache::new(Duration::from_secs(config.mattermost.channel_cache_secs)));
        let health = Arc::new(crate::subscriptions::health::SubscriptionHealth { store: store.clone() });
        // The one Jira client: one pool, push-only and address rules, requests counted.
        let jira = crate::jira::client::JiraClient::from_config(&config, metrics.clone());
        let signing_key = crate::commands::signed::SigningKey::load_or_generate(&store, &key)?;
        let subscriptions = Arc::new(RwLock::new(crate::subscriptions::service::load_index(&store)?));
        let enriched = Arc::new(crate::ingest::enriched::EnrichedIssues::default());
        let listed_catalog = Arc::new(crate::subscriptions::catalog_listed::ListedCatalog::new(jira.clone()));
        let connections = Arc::new(crate::connections::Connections::load(
            store.clone(),
            key.clone(),
            (jira.clone(), mattermost.clone()),
            settings.clone(),
            signing_key.clone(),
            (subscriptions.clone(), enriched.clone(), listed_catalog.clone()),
        )?);
        let worker = Arc::new(
            Worker::new(store.clone(), mattermost.clone(), channels.clone(), metrics.clone(), settings.clone())
                .with_channel_health(health)
                .with_jira(jira.clone())
                .with_buttons(connections.clone()),
        );
        let ingest = Ingest {
            store: store.clone(),
            metrics: metrics.clone(),
            waker: worker.waker(),
            settings: settings.clone(),
            waiting: Arc::new(crate::ingest::pending::Waiting::load(&store)?),
            enriched,
        };
        let command_registrations = store.command_registrations(&key)?;
        let (admin_token_hash, new_admin_token) =
            crate::secrets::admin_token::load_or_generate(config.admin.api_token.expose(), &store, &key)?;
        let state = web::Data::new(AppState {
            settings: settings.clone(),
            store,
            master_key: key,
            ingest,
            mattermost,
            listed_catalog,
            jira,
            channels,
            secrets: RwLock::new(secrets.clone()),
            metrics,
            admin_token_hash: RwLock::new(admin_token_hash),
            subscriptions,
            readiness: Default::default(),
            console: Default::default(),
            chat_roles: Default::default(),
            channel_names: Default::default(),
            command_registrations: RwLock::new(command_registrations),
            signing_key,
            jira_ops: connections.clone(),
            connections,
            #[cfg(feature = "fault-injection")]
            interaction_clock_ahead_secs: Default::default(),
        });
        apply_changes(&settings, &state);
        let listener = TcpListener::bind(config.listen_addr())
            .with_context(|| format!("cannot listen on {}; is server.listen free?", config.server.listen))?;
        let port = listener.local_addr()?.port();
        let tls = crate::web::tls::server_config(&config)?;
        let server = http_server(state.clone(), listener, &config, tls)?;
        let control = start_control_socket(&state, &config);
        announce(&config, port, origin, &secrets.current);
        crate::console::announce_setup_link(&state).await.map_err(|e| anyhow::anyhow!("admin console setup: {e}"))?;
        if let Some(token) = new_admin_token {
            tracing::warn!("generated an admin API token; it is shown only this once. Use it as \"Authorization: Bearer {token}\" for {}/api/v1", config.public_base_url());
        }
        Ok(Application { port, server, state, worker, options, control, hangups })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn worker(&self) -> Arc<Worker> {
        self.worker.clone()
    }

    /// Serves until SIGTERM/SIGINT (or until `stop` fires), then stops accepting, finishes
    /// requests and the delivery in progress, and flushes the store.
    pub async fn run_until_stopped(self, stop: Option<watch::Receiver<bool>>) -> anyhow::Result<()> {
        let liveness = crate::liveness::start(
            self.state.store.clone(),
            crate::liveness::LivenessOptions {
                probe_every: self.options.probe_every,
                watchdog: self.options.notify_systemd,
                own_process: self.options.own_process,
                shutdown_grace: Duration::from_secs(self.state.config().server.shutdown_grace_secs),
            },
        )
        .context("cannot start the store probe")?;
        let (worker_stop_tx, worker_stop_rx) = watch::channel(false);
        let worker_task =
            self.options.background_worker.then(|| tokio::spawn(self.worker.clone().run_until_stopped(worker_stop_rx)));
        let handle = self.server.handle();
        let mut server_task = tokio::spawn(self.server);
        let sweeper = tokio::spawn(sweep_hourly(self.state.store.clone(), self.state.settings.clone()));
        let registrations = self.state.command_registrations.read().unwrap_or_else(|p| p.into_inner()).clone();
        if !registrations.is_empty() {
            let (mattermost, config) = (self.state.mattermost.clone(), self.state.config());
            tokio::spawn(async move {
                crate::commands::registration::update_all(&mattermost, &registrations, &config).await;
            });
        }
        let router = crate::ingest::pending::Router {
            ingest: self.state.ingest.clone(),
            jira: self.state.jira.clone(),
            subscriptions: self.state.subscriptions.clone(),
            actors: self.state.connections.clone(),
        };
        let router = tokio::spawn(router.run(worker_stop_tx.subscribe()));
        let direct_messages = self
            .options
            .background_worker
            .then(|| tokio::spawn(self.state.connections.clone().run_direct_messages(worker_stop_tx.subscribe())));
        let notify = self.options.notify_systemd;
        let reloader = tokio::spawn(signals::reload_on_hangup(self.state.settings.clone(), self.hangups, notify));
        // The listener is bound: connections wait in its backlog until the workers run.
        if notify {
            crate::service_manager::notify("READY=1");
        }
        // The HTTP server ending by itself (its workers failed to start) is a failure, not
        // a reason to keep running without it.
        let server_ended = tokio::select! {
            () = signals::wait_for_stop(stop) => None,
            ended = &mut server_task => Some(ended),
        };
        reloader.abort();
        if notify {
            crate::service_manager::notify("STOPPING=1");
        }
        let server_ended_early = server_ended.is_some();
        if server_ended_early {
            tracing::error!("the HTTP server stopped by itself; jirabridge stops too");
        }
        tracing::info!("stopping: finishing requests and deliveries in progress");
        if let Some(control) = self.control {
            control.stop();
        }
        handle.stop(true).await;
        let _ = worker_stop_tx.send(true);
        if let Some(mut task) = worker_task {
            let grace = Duration::from_secs(self.state.config().server.shutdown_grace_secs);
            if tokio::time::timeout(grace, &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
                tracing::warn!(
                    "delivery worker did not stop within the grace period; unfinished deliveries resume at next start"
                );
            }
        }
        sweeper.abort();
        router.abort();
        if let Some(task) = direct_messages {
            task.abort();
        }
        let server_result = match server_ended {
            Some(ended) => ended,
            None => server_task.await,
        };
        self.state.store.flush_now()?;
        drop(liveness);
        tracing::info!("stopped");
        match (server_ended_early, server_result) {
            (true, Ok(Ok(()))) => anyhow::bail!("the HTTP server stopped by itself"),
            (true, Ok(Err(e))) => anyhow::bail!("the HTTP server failed: {e}"),
            (true, Err(e)) => anyhow::bail!("the HTTP server task failed: {e}"),
            (false, _) => Ok(()),
        }
    }
}

/// Keeps the parts that hold derived state in step with settings changed while running:
/// the Mattermost client (URL, token, timeout), the channel cache and the log filter.
/// Everything else reads [`Settings::current`] when it uses a value.
fn apply_changes(settings: &Settings, state: &web::Data<AppState>) {
    // Weak: the state owns the settings, which own this listener.
    let state = Arc::downgrade(&state.clone().into_inner());
    settings.on_change(move |before, after| {
        let Some(state) = state.upgrade() else { return };
        let (old, new) = (&before.mattermost, &after.mattermost);
        if (&old.url, &old.bot_token, old.request_timeout_secs) != (&new.url, &new.bot_token, new.request_timeout_secs)
        {
            let timeout = Duration::from_secs(new.request_timeout_secs);
            state.mattermost.reconfigure(&new.url, new.bot_token.expose(), timeout);
            state.forget_mattermost_status();
        }
        state.channels.set_ttl(Duration::from_secs(new.channel_cache_secs));
        // A registered /jira follows the autocomplete switch (and, at start, the public URL).
        if old.enable_autocomplete != new.enable_autocomplete {
            let registrations = state.command_registrations.read().unwrap_or_else(|p| p.into_inner()).clone();
            if let (false, Ok(runtime)) = (registrations.is_empty(), tokio::runtime::Handle::try_current()) {
                let (mattermost, config) = (state.mattermost.clone(), after.clone());
                runtime.spawn(async move {
                    crate::commands::registration::update_all(&mattermost, &registrations, &config).await;
                });
            }
        }
        state.jira.set_timeout(Duration::from_secs(after.jira.request_timeout_secs));
        if before.log.level != after.log.level {
            crate::telemetry::logging::set_level(&after.log.level);
        }
    });
}

/// Listens on the control socket; without it the server still runs, but `backup` and
/// `admin set-password` cannot reach it, so say so loudly.
fn start_control_socket(state: &web::Data<AppState>, config: &Config) -> Option<ControlServer> {
    let importer: Arc<dyn crate::control::Importer> = Arc::new(importer::StateImporter(state.clone()));
    match ControlServer::start(state.store.clone(), &config.store.path, Some(importer)) {
        Ok(control) => Some(control),
        Err(e) => {
            let path = crate::control::socket_path(&config.store.path);
            tracing::error!(
                path = %path.display(),
                error = %e,
                "cannot listen on the control socket; `jirabridge backup` and `admin set-password` will not work while this server runs"
            );
            None
        }
    }
}

/// Removes events, and finished deliveries, older than the retention period, every hour;
/// also expired console sessions and sign-in counters.
/// The period is read at each sweep (`store.event_retention_days` is editable).
async fn sweep_hourly(store: Store, settings: Settings) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        let config = settings.current();
        let retention = Duration::from_secs(u64::from(config.store.event_retention_days) * 86_400);
        let now = now_ms();
        let cutoff = now.saturating_sub(retention.as_millis() as u64);
        // Console sessions unused for longer than their lifetime, and sign-in counters whose
        // window is over, are also dropped, so neither tree grows without bound.
        let sessions_cutoff = now.saturating_sub(config.admin.session_ttl_hours.saturating_mul(3_600_000));
        let attempts_cutoff = now.saturating_sub(crate::console::LOGIN_WINDOW_MS);
        let swept = tokio::task::spawn_blocking({
            let store = store.clone();
            move || {
                store.sweep_sessions_before(sessions_cutoff)?;
                store.sweep_login_attempts_before(attempts_cutoff)?;
                store.sweep_used_tokens_before(now)?;
                Ok::<_, crate::store::StoreError>((
                    store.sweep_events_before(cutoff)?,
                    store.sweep_finished_deliveries_before(cutoff)?,
                ))
            }
        })
        .await;
        match swept {
            Ok(Ok((events, deliveries))) if events + deliveries > 0 => {
                tracing::info!(events, deliveries, "removed data older than store.event_retention_days")
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "retention sweep failed; will try again in an hour"),
            Err(e) => tracing::error!(error = %e, "retention sweep task failed"),
        }
    }
}

fn http_server(
    state: web::Data<AppState>,
    listener: TcpListener,
    config: &Config,
    tls: Option<rustls::ServerConfig>,
) -> anyhow::Result<actix_web::dev::Server> {
    let body_deadline = Duration::from_secs(config.server.body_read_timeout_secs);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
            .wrap_fn(crate::web::body::with_deadline(body_deadline, crate::admin_api::UPLOAD_PATHS))
    })
    .disable_signals()
    .shutdown_timeout(config.server.shutdown_grace_secs);
    let mut server = match tls {
        Some(tls) => server.listen_rustls_0_23(listener, tls)?,
        None => server.listen(listener)?,
    };
    if config.server.workers > 0 {
        server = server.workers(config.server.workers);
    }
    Ok(server.run())
}

/// Start-up log: where we listen, what is missing, and (once) a generated secret.
fn announce(config: &Config, port: u16, origin: Origin, secret: &str) {
    let base = config.public_base_url();
    let scheme = config.listen_scheme();
    tracing::info!(listen = %config.server.listen, port, scheme, version = env!("CARGO_PKG_VERSION"), "jirabridge is listening");
    for hint in config.notes() {
        tracing::warn!("{hint}");
    }
    if origin == Origin::GeneratedNow {
        let url = format!("{base}/webhook?secret={secret}&team=TEAM_NAME&channel=CHANNEL_NAME");
        tracing::warn!(
            "generated a webhook secret; it is shown only this once. Paste this URL into Jira (System > WebHooks), \
             replacing TEAM_NAME and CHANNEL_NAME with the Mattermost team and channel names: {url}"
        );
    }
}
