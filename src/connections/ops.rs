//! [`Connections`] as `/jira`'s [`JiraOps`]: each command row that needs a connection, and
//! the clicks and forms those rows hand out. Rows not built yet say so in a sentence.

use super::attach::ATTACH;
use super::buttons::{ASSIGN_ME, COMMENT, COMMENT_ADD, TRANSITIONS, TRANSITION_PICK};
use super::connect::{CONNECT_TOKEN, DISCONNECT_PICK, USE_TOKEN};
use super::create::CREATE;
use super::create_more::{CREATE_MORE, MORE_FIELDS};
use super::install::OAUTH_CLIENT;
use super::issues::{SHARE, TRANSITION};
use super::subscribe::{SUB_ADD, SUB_DELETE, SUB_EDIT, SUB_SAVE};
use super::{Acting, Connections};
use crate::commands::jira_ops::{Answer, Caller, Interaction, JiraCall, JiraOps, Outcome, OutcomeOf, Reply, Surface};
use crate::commands::parse::Command;
use crate::commands::signed::SignedState;
use crate::ids::InstanceType;
use crate::store::Connection;

/// The answer to a row `run` should have answered itself (a bug, not a user's mistake).
const NOT_HERE: &str = "jirabridge cannot run this command here; type `/jira help` to see what it can do.";

impl JiraOps for Connections {
    fn is_connected(&self, user_id: &str, instance: Option<&str>) -> bool {
        let connected = self.connected_instances(user_id);
        match instance {
            Some(instance) => connected.iter().any(|i| i == instance),
            None => !connected.is_empty(),
        }
    }

    fn connected_users(&self) -> usize {
        self.index.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn run<'a>(&'a self, caller: &'a Caller, call: JiraCall) -> Reply<'a> {
        Box::pin(async move {
            let instance = call.instance.clone();
            match call.command {
                Command::Connect { url } => self.connect(caller, url.or(instance)).await,
                Command::Disconnect { url } => self.disconnect(caller, url.or(instance)).await.into(),
                Command::InstanceDefault { url } => self.set_default(caller, url).await.into(),
                Command::Settings { args } => self.settings_command(caller, instance.as_deref(), &args).await.into(),
                Command::Me => self.me(caller).await.into(),
                Command::Install { kind, url } => self.install(caller, kind, &url).await,
                Command::Uninstall { kind, url } => self.uninstall(caller, &kind, &url).await.into(),
                Command::Subscribe | Command::SubscribeEdit => self.subscribe(caller, instance.as_deref()).await,
                Command::SubscribeList { extra_args } => {
                    self.subscribe_list(caller, instance.as_deref(), extra_args).await.into()
                }
                command => self.issue_command(caller, instance.as_deref(), command, call.post, call.thread).await,
            }
        })
    }

    fn interact<'a>(&'a self, caller: &'a Caller, interaction: Interaction) -> OutcomeOf<'a> {
        Box::pin(async move {
            let state = &interaction.state;
            if interaction.surface == Surface::Lookup {
                let typed = interaction.values.get("query").and_then(|v| v.as_str()).unwrap_or_default();
                return match state.op.as_str() {
                    ATTACH => self.issue_lookup(caller, state, typed).await,
                    _ => Outcome::Items(Vec::new()),
                };
            }
            match state.op.as_str() {
                USE_TOKEN => self.token_dialog(caller, state),
                CONNECT_TOKEN => self.connect_with_token(caller, state, &interaction.values).await,
                CREATE => self.create_submitted(caller, state, &interaction.values).await,
                MORE_FIELDS => self.more_fields_clicked(caller, state).await,
                CREATE_MORE => self.create_more_submitted(caller, state, &interaction.values).await,
                DISCONNECT_PICK => self.disconnect_picked(caller, state, &interaction.values).await,
                OAUTH_CLIENT => self.oauth_client_submitted(caller, state, &interaction.values).await,
                ATTACH => self.attach_submitted(caller, state, &interaction.values).await,
                SUB_ADD | SUB_EDIT | SUB_DELETE => self.subscription_clicked(caller, state).await,
                SUB_SAVE => self.subscription_submitted(caller, state, &interaction.values).await,
                ASSIGN_ME | COMMENT | COMMENT_ADD | TRANSITIONS | TRANSITION_PICK => {
                    self.notification_clicked(caller, state, &interaction.values).await
                }
                TRANSITION => {
                    let chosen = interaction.values.get("selected_option").and_then(|v| v.as_str()).unwrap_or_default();
                    match self.on_issue(caller, state).await {
                        Ok((acting, key)) => self.transition_clicked(caller, &acting, &key, chosen).await,
                        Err(why) => Outcome::Failed(why),
                    }
                }
                // A failed share did nothing: the button may be clicked again.
                SHARE => match self.on_issue(caller, state).await {
                    Ok((acting, key)) => match self.share(caller, &acting, &key).await {
                        Ok(text) => Outcome::Done(text),
                        Err(text) => Outcome::Failed(text),
                    },
                    Err(why) => Outcome::Failed(why),
                },
                other => {
                    tracing::warn!(op = other, "a signed interaction of an unknown kind");
                    Outcome::Failed("This button has expired. Run the command again.".into())
                }
            }
        })
    }
}

impl Connections {
    /// The caller's connection to the instance a button names, and its issue key.
    async fn on_issue(&self, caller: &Caller, state: &SignedState) -> Result<(Acting, String), String> {
        let key = state.key.clone().ok_or("This button names no issue.")?;
        Ok((self.acting(&caller.user_id, state.iid.as_deref()).await?, key))
    }

    /// The issue rows, with the caller's connection.
    async fn issue_command(
        &self,
        caller: &Caller,
        instance: Option<&str>,
        command: Command,
        post: Option<String>,
        thread: bool,
    ) -> Answer {
        let acting = match self.acting(&caller.user_id, instance).await {
            Ok(acting) => acting,
            Err(why) => return why.into(),
        };
        let answer = match command {
            // Keys were checked when the command was read; from here they are path segments.
            Command::View { key } => self.view(caller, &acting, key.map(String::from)).await,
            Command::Transition { key, state } => self.transition(&acting, key.as_str(), &state).await,
            Command::Assign { target: Some((key, who)) } => self.assign(&acting, key.as_str(), &who).await.into(),
            Command::Assign { target: None } => "Please specify an issue key and an assignee search string, in the form `/jira assign <issue-key> <assignee>`.".into(),
            Command::Unassign { key } => self.unassign(&acting, key.map(String::from)).await.into(),
            Command::Attach { key } => self.attach(caller, &acting, key.map(String::from), post, thread).await.into(),
            Command::Create { text } => self.create_command(caller, &acting, text, post).await,
            _ => NOT_HERE.into(),
        };
        if answer.text == super::issues::REJECTED {
            let instance_id = acting.instance.id.as_str();
            if let Some(expired) = self.grant_gone(instance_id, &acting.connection, &acting.auth).await {
                return expired.into();
            }
        }
        answer
    }

    /// `/jira me`: the caller's connections (SPEC §9.3).
    async fn me(&self, caller: &Caller) -> String {
        let (store, key, user) = (self.store.clone(), self.key.clone(), caller.user_id.clone());
        let found = self
            .store
            .run(move |_| -> Result<_, crate::store::StoreError> {
                let known = store.mattermost_user(&user)?.unwrap_or_default();
                let mut lines = Vec::new();
                for id in &known.connected_instances {
                    let (Some(instance), Some(connection)) = (store.instance(id)?, store.connection(id, &user, &key)?)
                    else {
                        continue;
                    };
                    lines.push((
                        known.default_instance_id.as_deref() == Some(id.as_str()),
                        instance.instance_type,
                        connection,
                    ));
                }
                Ok((lines, crate::commands::admin::instance_list(&store)?))
            })
            .await;
        let (connections, list) = match found {
            Ok(found) => found,
            Err(e) => return format!("jirabridge could not read your connections: {e}"),
        };
        let config = self.settings.current();
        let mut text =
            format!("Mattermost site URL: {}\nMattermost user ID: `{}`\n", config.mattermost.url, caller.user_id);
        for (is_default, kind, connection) in &connections {
            text.push_str(&describe(*is_default, *kind, connection));
        }
        text.push_str(&format!("\n###### Available Jira instances:\n{list}"));
        text
    }
}

/// One connection in `/jira me`: the instance (bold when the default), who, and settings.
fn describe(is_default: bool, kind: InstanceType, connection: &Connection) -> String {
    let id = if is_default { format!("**{}**", connection.instance_id) } else { connection.instance_id.clone() };
    let jira = &connection.jira;
    let safe = |text: &str| crate::events::untrusted::quiet_mentions(&crate::events::untrusted::defuse(text));
    let (name, login, key, email) = (safe(&jira.display_name), safe(&jira.name), safe(&jira.key), safe(&jira.email));
    let who = match kind {
        InstanceType::Cloud => format!("Cloud, connected as **{name}** (AccountID: `{}`)", safe(&jira.account_id)),
        InstanceType::Server => {
            format!("Server, connected as **{name}** (Name:{login}, Key:{key}, EmailAddress:{email})")
        }
    };
    let mut text = format!("\n{id}: {who}\n{}\n", super::settings::listing(&connection.settings));
    if let Some(project) = &connection.saved_project_key {
        text.push_str(&format!("Default project: `{}`\n", safe(project)));
    }
    text
}
