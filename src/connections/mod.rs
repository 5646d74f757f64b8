//! Mattermost users' Jira connections (SPEC §8) and what they let users do (§10): connecting
//! with a personal access token (Data Center) or an API token (Cloud), disconnecting, the
//! default instance, notification settings, and the issue commands that act with the
//! user's own credentials. [`Connections`] implements `commands::jira_ops::JiraOps` (`ops`),
//! behind the gates `commands::run` applies (push-only, issue UI, a connected caller).
//!
//! OAuth connections (1.0a on Server/DC, 2.0 on Cloud) start from a link `/jira connect`
//! answers and finish on pages of their own (`oauth`); `credentials` turns any connection
//! into what its calls send.

mod attach;
mod buttons;
mod connect;
mod create;
mod create_fields;
mod create_more;
mod credentials;
mod disconnect;
mod dms;
mod files;
mod install;
mod issues;
mod oauth;
mod ops;
mod projects;
mod settings;
mod source;
mod subscribe;
mod subscribe_list;

pub use oauth::{Page, LINK_EXPIRED};

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

use crate::commands::jira_ops::Caller;
use crate::commands::signed::{SignedState, SigningKey};
use crate::ingest::enriched::EnrichedIssues;
use crate::jira::auth::JiraAuth;
use crate::jira::client::JiraClient;
use crate::live_config::Settings;
use crate::mattermost::action::ActionIntegration;
use crate::mattermost::command::CommandResponse;
use crate::mattermost::dialog::{Dialog, DialogElement};
use crate::mattermost::{MattermostClient, WireError};
use crate::store::records::InstanceRecordV1;
use crate::store::{Connection, MasterKey, Store, StoreError};
use crate::subscriptions::catalog_listed::ListedCatalog;
use crate::subscriptions::SubscriptionIndex;
use crate::utc::now_ms;

/// Users' connections, and what acting for them needs.
pub struct Connections {
    store: Store,
    key: MasterKey,
    jira: JiraClient,
    mattermost: MattermostClient,
    settings: Settings,
    signing: SigningKey,
    /// Mattermost user id → instances connected, mirrored from the store: `is_connected` is
    /// asked on HTTP workers, which never read the store themselves.
    index: RwLock<HashMap<String, Vec<String>>>,
    /// One OAuth 2.0 refresh at a time per connection (see `credentials`).
    refreshing: credentials::RefreshLocks,
    /// Each connection's projects, for the create form (see `create`).
    projects: projects::ProjectCache,
    /// The routing index, which subscriptions edited from chat keep current.
    subscriptions: Arc<RwLock<SubscriptionIndex>>,
    /// The issue people the router read from Jira for recent events (DMs use them).
    enriched: Arc<EnrichedIssues>,
    /// The names Jira lists (shared with the console), for the chat subscription editor.
    listed_catalog: Arc<ListedCatalog>,
    /// Display names of mentioned people a DM's payload does not name.
    jira_users: crate::jira::users::JiraUsers,
}

/// Mattermost user id → the instances they are connected to, as the store has them.
fn index_of(store: &Store) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let mut index: HashMap<String, Vec<String>> = HashMap::new();
    for (instance, user) in store.connection_keys()? {
        index.entry(user).or_default().push(instance);
    }
    Ok(index)
}

/// What a connection of the caller to one instance gives a command.
struct Acting {
    instance: InstanceRecordV1,
    connection: Connection,
    /// Where the calls go: the instance, or the Atlassian gateway for OAuth 2.0.
    base: String,
    auth: JiraAuth,
}

impl Connections {
    /// Reads the connected users from the store; `subscriptions` is the routing index the
    /// chat editor keeps current.
    pub fn load(
        store: Store,
        key: MasterKey,
        (jira, mattermost): (JiraClient, MattermostClient),
        settings: Settings,
        signing: SigningKey,
        (subscriptions, enriched, listed_catalog): (
            Arc<RwLock<SubscriptionIndex>>,
            Arc<EnrichedIssues>,
            Arc<ListedCatalog>,
        ),
    ) -> Result<Connections, StoreError> {
        let index = index_of(&store)?;
        // Fixes where DM decisions start on a store that never made any (see `dms`).
        store.dm_decided_through()?;
        let (index, refreshing, projects) = (RwLock::new(index), Default::default(), Default::default());
        let jira_users = crate::jira::users::JiraUsers::new(jira.clone());
        Ok(Connections {
            store,
            key,
            jira,
            jira_users,
            mattermost,
            settings,
            signing,
            index,
            refreshing,
            projects,
            subscriptions,
            enriched,
            listed_catalog,
        })
    }

    /// Reads who is connected from the store again (after an import wrote connections).
    pub fn reload_index(&self) -> Result<(), StoreError> {
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = index_of(&self.store)?;
        Ok(())
    }

    fn remember(&self, user: &str, instance: &str) {
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        let instances = index.entry(user.to_string()).or_default();
        if !instances.iter().any(|i| i == instance) {
            instances.push(instance.to_string());
        }
    }

    fn forget(&self, user: &str, instance: &str) {
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        if let Some(instances) = index.get_mut(user) {
            instances.retain(|i| i != instance);
            if instances.is_empty() {
                index.remove(user);
            }
        }
    }

    /// Forgets every connection to a removed instance (the store's are gone already).
    pub fn forget_instance(&self, instance: &str) {
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        index.retain(|_, instances| {
            instances.retain(|i| i != instance);
            !instances.is_empty()
        });
    }

    fn connected_instances(&self, user: &str) -> Vec<String> {
        self.index.read().unwrap_or_else(|p| p.into_inner()).get(user).cloned().unwrap_or_default()
    }

    /// The caller's connection for a command: to `instance` when named, else to their
    /// default while still connected, else to their only one (SPEC §7.3). `Err` is the
    /// sentence to answer.
    async fn acting(&self, user: &str, instance: Option<&str>) -> Result<Acting, String> {
        let (store, key, user, named) =
            (self.store.clone(), self.key.clone(), user.to_string(), instance.map(str::to_string));
        let found = self
            .store
            .run(move |_| -> Result<Result<(InstanceRecordV1, Connection), &'static str>, StoreError> {
                let chosen = match named {
                    Some(named) => named,
                    None => {
                        let known = store.mattermost_user(&user)?.unwrap_or_default();
                        // An uninstalled instance stays in the user's record.
                        let mut connected = Vec::new();
                        for id in known.connected_instances {
                            if store.instance(&id)?.is_some() {
                                connected.push(id);
                            }
                        }
                        let default = known.default_instance_id.filter(|id| connected.contains(id));
                        match (default, connected.as_slice()) {
                            (Some(default), _) => default,
                            (None, [only]) => only.clone(),
                            (None, []) => return Ok(Err(crate::commands::run::NOT_CONNECTED)),
                            (None, _) => return Ok(Err(NO_DEFAULT)),
                        }
                    }
                };
                let Some(instance) = store.instance(&chosen)? else {
                    return Ok(Err(crate::commands::run::NOT_CONNECTED));
                };
                let connection = store.connection(&chosen, &user, &key)?;
                Ok(connection.map(|connection| (instance, connection)).ok_or(crate::commands::run::NOT_CONNECTED))
            })
            .await;
        match found {
            Ok(Ok((instance, connection))) => {
                let credentials::Credentials { base, auth } = self.credentials(&instance, &connection).await?;
                Ok(Acting { instance, connection, base, auth })
            }
            Ok(Err(sentence)) => Err(sentence.into()),
            Err(e) => {
                tracing::error!(error = %e, "could not read a Jira connection");
                Err(format!("Failed to load your connection to Jira. Error: {e}."))
            }
        }
    }
}

/// SPEC §7.3: several connections, none of them the caller's default.
const NO_DEFAULT: &str = "default jira instance not found, please run `/jira instance default <jiraURL>` to set one";

/// State for a button or a form, bound to the caller and the channel, valid for `secs`:
/// no issue, nonce, response URL or data until the caller sets them (SPEC §10.4).
fn bound_state(caller: &Caller, op: &str, instance: Option<String>, secs: u64) -> SignedState {
    SignedState {
        op: op.into(),
        uid: Some(caller.user_id.clone()),
        cid: caller.channel_id.clone(),
        iid: instance,
        key: None,
        exp: now_ms() / 1000 + secs,
        rurl: None,
        n: None,
        data: Map::new(),
    }
}

/// A form's text value, trimmed; empty when absent or not text (Mattermost may send any
/// JSON type, or nothing).
fn form_text(values: &Map<String, Value>, name: &str) -> String {
    values.get(name).and_then(Value::as_str).map(str::trim).unwrap_or_default().to_string()
}

impl Connections {
    /// A Mattermost user's username; empty when Mattermost cannot say (a reply still goes
    /// out, only without the name).
    async fn username(&self, user_id: &str) -> String {
        match crate::ids::MmUserId::parse(user_id) {
            Ok(user) => self.mattermost.user(&user).await.map(|u| u.username).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The caller's username: as the command gave it, else (a dialog submission or a click
    /// names nobody) as Mattermost says.
    async fn caller_username(&self, caller: &Caller) -> String {
        if caller.user_name.is_empty() {
            self.username(&caller.user_id).await
        } else {
            caller.user_name.clone()
        }
    }

    /// Sends a form's result `text` to the command's response URL; when there is none, or it
    /// is used up or expired, as an ephemeral post if the bot may make one (`say_privately`),
    /// never in the channel. `what` names the result in the log when it cannot be shown.
    async fn reply_later(&self, caller: &Caller, response_url: Option<&str>, text: &str, what: &str) {
        let reply = CommandResponse::ephemeral(text.to_string());
        self.reply_later_with(caller, response_url, &reply, what).await;
    }

    /// [`Self::reply_later`] with attachments; the private message fallback has the text only.
    async fn reply_later_with(&self, caller: &Caller, response_url: Option<&str>, reply: &CommandResponse, what: &str) {
        if let Some(rurl) = response_url {
            match self.mattermost.respond_to_command(rurl, reply).await {
                Ok(()) => return,
                Err(e) => tracing::info!(error = %e, "could not say {what} through the response URL"),
            }
        }
        self.say_privately(caller, &reply.text).await;
    }

    /// Where a button's click goes, carrying `state` signed.
    fn button_integration(&self, state: &SignedState) -> ActionIntegration {
        let context = Map::from_iter([("t".to_string(), Value::String(self.signing.sign(state)))]);
        ActionIntegration { url: format!("{}/mattermost/action", self.settings.current().public_base_url()), context }
    }

    /// A form titled `title` whose submission comes back with `state` signed.
    fn signed_dialog(
        &self,
        (title, submit): (&str, &str),
        elements: Vec<DialogElement>,
        state: &SignedState,
    ) -> Result<Dialog, WireError> {
        Ok(Dialog::new(title, elements)?.submit_label(submit).state(&self.signing.sign(state)))
    }
}

/// The store failed: logged, and the user told to try again.
fn store_trouble(e: StoreError) -> String {
    tracing::error!(error = %e, "a Jira connection step could not use the store");
    STORE_TROUBLE.into()
}

const STORE_TROUBLE: &str = "jirabridge could not reach its database just now; please try again in a moment.";
