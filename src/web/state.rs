//! What handlers share: configuration, store, clients, secrets and metrics.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::ingest::Ingest;
use crate::instances::InstanceContext;
use crate::live_config::Settings;
use crate::mattermost::channels::ChannelCache;
use crate::mattermost::{MattermostClient, MmError};
use crate::secrets::verify::AcceptedSecrets;
use crate::store::records::AuditRecordV1;
use crate::store::{MasterKey, Store};
use crate::subscriptions::service::{RuleKind, Subscriptions};
use crate::telemetry::Metrics;
use crate::utc::now_ms;

/// How long a Mattermost reachability answer is reused by `/readyz`.
const READY_CACHE: Duration = Duration::from_secs(10);

/// Shared application state (one per process, behind `web::Data`).
pub struct AppState {
    /// The live settings; [`AppState::config`] is the configuration in force.
    pub settings: Settings,
    pub store: Store,
    /// Encrypts `secret_value`.
    pub master_key: MasterKey,
    pub ingest: Ingest,
    pub mattermost: MattermostClient,
    /// The one client for calls to Jira (push-only and address rules, see `jira::client`).
    pub jira: crate::jira::client::JiraClient,
    /// What Jira lists for the catalogue, read at most every 10 minutes.
    pub listed_catalog: Arc<crate::subscriptions::catalog_listed::ListedCatalog>,
    pub channels: Arc<ChannelCache>,
    pub secrets: RwLock<AcceptedSecrets>,
    pub metrics: Metrics,
    /// Every subscription, indexed for matching; the store holds the records. Shared with
    /// the blocking threads that change subscriptions or replay events.
    pub subscriptions: Arc<RwLock<crate::subscriptions::SubscriptionIndex>>,
    /// SHA-256 of the admin API token; replaced when the token is regenerated.
    pub admin_token_hash: RwLock<[u8; 32]>,
    /// The last `/readyz` answer about Mattermost, reused for ten seconds.
    pub readiness: ReadyCache,
    /// Admin console state that is not stored (the first-admin setup link).
    pub console: ConsoleState,
    /// "Team / Channel" for channel ids, remembered for ten minutes.
    pub channel_names: crate::mattermost::names::ChannelNames,
    /// Which Mattermost users are system administrators, remembered for a minute.
    pub chat_roles: crate::mattermost::roles::RoleCache,
    /// The `/jira` commands jirabridge registered, by team (their tokens are accepted only
    /// with their team id).
    pub command_registrations: RwLock<Vec<crate::store::CommandRegistration>>,
    /// Signs and checks dialog and button state (`commands::signed`).
    pub signing_key: crate::commands::signed::SigningKey,
    /// What `/jira` asks of Jira (see `commands::jira_ops`): `connections`.
    pub jira_ops: std::sync::Arc<dyn crate::commands::jira_ops::JiraOps>,
    /// Users' Jira connections; also decides personal DMs.
    pub connections: std::sync::Arc<crate::connections::Connections>,
    /// Tests move the clock that signed dialog and button state is checked against.
    #[cfg(feature = "fault-injection")]
    pub interaction_clock_ahead_secs: std::sync::atomic::AtomicU64,
}

/// A short-lived memory of whether Mattermost and each Jira instance answer.
#[derive(Default)]
pub struct ReadyCache {
    mattermost: Mutex<Option<(Instant, &'static str)>>,
    /// By instance id: `ok` or `unreachable`, and when that was seen.
    jira: Mutex<std::collections::HashMap<String, (Instant, &'static str)>>,
}

/// How long a Jira instance's answer (or silence) is reused: monitoring may poll the status
/// every few seconds, and Jira need not hear about it each time.
const JIRA_READY_CACHE: Duration = Duration::from_secs(60);
/// How long a Jira instance may take to answer the check.
const JIRA_CHECK_WAIT: Duration = Duration::from_secs(5);

impl AppState {
    /// The rule operations (subscriptions or templates) of `kind`, acting as `actor` (the
    /// audit log's "who"); the console and the API share them.
    pub fn rules_as(&self, kind: RuleKind, actor: &str) -> Subscriptions {
        Subscriptions {
            kind,
            store: self.store.clone(),
            index: self.subscriptions.clone(),
            mattermost: self.mattermost.clone(),
            security_level_empty: self.config().security.security_level_empty_for_subscriptions,
            actor: actor.to_string(),
        }
    }

    /// Registers `/jira` in `team_id` (see `commands::registration`), keeps its token in force
    /// at once, and audits it as `actor`.
    pub async fn register_command(
        &self,
        team_id: &str,
        admin_token: Option<&str>,
        actor: &str,
    ) -> Result<crate::store::CommandRegistration, crate::commands::registration::RegisterError> {
        let config = self.config();
        let registration = crate::commands::registration::register(
            &self.mattermost,
            self.store.clone(),
            &self.master_key,
            &config,
            team_id,
            admin_token,
        )
        .await?;
        {
            let mut all = self.command_registrations.write().unwrap_or_else(|p| p.into_inner());
            all.retain(|r| r.team_id != registration.team_id);
            all.push(registration.clone());
        }
        let after = serde_json::json!({ "command_id": registration.command_id }).to_string();
        let entry = AuditRecordV1::new(actor, "mattermost.command.register", team_id, None, Some(after), now_ms());
        self.store.run(move |store| store.audit(&entry)).await?;
        Ok(registration)
    }

    /// What adding an instance needs, acting as `actor`; the console and the API share it.
    pub fn instance_context(&self, actor: &str) -> InstanceContext {
        InstanceContext::new(self.store.clone(), self.jira.clone(), &self.config(), self.master_key.clone(), actor)
    }
    /// The configuration in force now (console changes apply at once): read it per use.
    pub fn config(&self) -> Arc<Config> {
        self.settings.current()
    }

    /// The webhook secrets accepted now.
    pub fn accepted_secrets(&self) -> AcceptedSecrets {
        self.secrets.read().unwrap_or_else(|p| p.into_inner()).clone().at(now_ms())
    }

    pub fn admin_token_hash(&self) -> [u8; 32] {
        *self.admin_token_hash.read().unwrap_or_else(|p| p.into_inner())
    }

    /// `ok` or `unwritable`, as the store's last write or probe found it (no store call).
    pub fn store_status(&self) -> &'static str {
        match self.store.writability() {
            crate::store::Writability::Writable => "ok",
            _ => "unwritable",
        }
    }

    /// The settings as the console and the API show them. `Settings::entries` reads the
    /// store (is a generated secret set?), so it runs on a blocking thread.
    pub async fn setting_entries(&self) -> Result<Vec<crate::live_config::SettingEntry>, crate::store::StoreError> {
        let settings = self.settings.clone();
        self.store.run(move |_| Ok(settings.entries())).await
    }

    /// Forgets the cached Mattermost status (its URL or token changed).
    pub fn forget_mattermost_status(&self) {
        *self.readiness.mattermost.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Whether each of `instances` answers SPEC §7.2's check (`GET /status`): `ok` or
    /// `unreachable`, remembered for a minute. Push-only mode never asks (`not_contacted`).
    pub async fn jira_status(&self, instances: &[crate::ids::InstanceId]) -> Vec<(String, &'static str)> {
        let mut statuses = Vec::new();
        for id in instances {
            if self.config().jira.push_only {
                statuses.push((id.to_string(), "not_contacted"));
                continue;
            }
            let cached = self.readiness.jira.lock().unwrap_or_else(|p| p.into_inner()).get(id.as_str()).copied();
            let status = match cached {
                Some((at, status)) if at.elapsed() < JIRA_READY_CACHE => status,
                _ => {
                    let running = crate::jira::status::is_running(&self.jira, id, JIRA_CHECK_WAIT).await;
                    let status = if running { "ok" } else { "unreachable" };
                    let mut remembered = self.readiness.jira.lock().unwrap_or_else(|p| p.into_inner());
                    remembered.insert(id.to_string(), (Instant::now(), status));
                    status
                }
            };
            statuses.push((id.to_string(), status));
        }
        statuses
    }

    /// `ok`, `unreachable`, `unauthorized` or `not_configured`, cached for ten seconds.
    pub async fn mattermost_status(&self) -> &'static str {
        if let Some((at, status)) = *self.readiness.mattermost.lock().unwrap_or_else(|p| p.into_inner()) {
            if at.elapsed() < READY_CACHE {
                return status;
            }
        }
        let status = match self.mattermost.me().await {
            Ok(_) => "ok",
            Err(MmError::NotConfigured) => "not_configured",
            Err(MmError::Status { status: 401, .. }) => "unauthorized",
            Err(_) => "unreachable",
        };
        *self.readiness.mattermost.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), status));
        status
    }
}

/// Password hashes checked or made at once. Each argon2 run takes about 19 MiB and tens of
/// milliseconds, so a burst of sign-ins must queue rather than exhaust memory.
const PASSWORD_WORK_AT_ONCE: usize = 2;

/// Admin console state that is not in the store; the console's own code works it (its
/// methods live in `console::setup`), so this module needs nothing of the console.
pub struct ConsoleState {
    pub(crate) setup: Mutex<Option<SetupLink>>,
    pub(crate) password_work: tokio::sync::Semaphore,
}

impl Default for ConsoleState {
    fn default() -> Self {
        ConsoleState { setup: Mutex::new(None), password_work: tokio::sync::Semaphore::new(PASSWORD_WORK_AT_ONCE) }
    }
}

/// The first-admin setup link in force: only its hash is kept.
pub(crate) struct SetupLink {
    pub(crate) token_hash: [u8; 32],
    pub(crate) expires_at_ms: u64,
}
