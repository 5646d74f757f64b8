//! Connecting and disconnecting (SPEC §8.1, §8.5), and the default instance (§9.3).
//!
//! `/jira connect` answers a button per allowed token method; the click opens a dialog
//! (`token`, and `email` on Cloud); the submission is checked with `GET /myself` under those
//! credentials before anything is stored. The button's state is bound to the user, the
//! channel and the instance; the dialog's also carries a nonce, so it is used once.

use serde_json::{json, Map, Value};

use super::{auth_of, bound_state, Connections, STORE_TROUBLE};
use crate::commands::jira_ops::{Answer, Caller, Outcome};
use crate::commands::signed::{self, SignedState, DIALOG_SECS, EPHEMERAL_BUTTON_SECS};
use crate::config::UserAuthMethod;
use crate::ids::{InstanceType, MmUserId};
use crate::jira::client::JiraError;
use crate::mattermost::action::{ActionOption, PostAction};
use crate::mattermost::dialog::{DialogElement, OpenDialog, TextSubtype};
use crate::mattermost::post::{Attachment, NewPost};
use crate::store::records::InstanceRecordV1;
use crate::store::{Connection, ConnectionAuth, JiraUser, NotificationSettings, StoreError};
use crate::utc::now_ms;

/// The click's op, and the dialog's.
pub(super) const USE_TOKEN: &str = "usetoken";
pub(super) const CONNECT_TOKEN: &str = "connecttoken";
pub(super) const DISCONNECT_PICK: &str = "disconnectpick";

const NO_INSTANCES: &str = "No Jira instances have been installed. Please contact the system administrator.";
const CONNECTED_DM: &str = "You have successfully connected your Jira account. Type in /jira to get started.";
const NOT_CONNECTED_ANYWHERE: &str =
    "Your account is not connected to Jira. Please use `/jira connect` to connect your account.";

/// The token method `instance` takes, when the settings allow it.
fn token_method(connections: &Connections, instance: &InstanceRecordV1) -> Option<UserAuthMethod> {
    let wanted = match instance.instance_type {
        InstanceType::Cloud => UserAuthMethod::ApiToken,
        InstanceType::Server => UserAuthMethod::Pat,
    };
    connections.settings.current().jira.user_auth_methods.contains(&wanted).then_some(wanted)
}

impl Connections {
    /// `/jira connect [url]`: the instance, then a button for the token method it allows.
    pub(super) async fn connect(&self, caller: &Caller, named: Option<String>) -> Answer {
        let store = self.store.clone();
        let instances = match self.store.run(move |_| store.instances()).await {
            Ok(instances) => instances,
            Err(e) => return store_trouble(e),
        };
        if instances.is_empty() {
            return NO_INSTANCES.into();
        }
        let connected = self.connected_instances(&caller.user_id);
        let instance = match named {
            Some(reference) => {
                let (store, wanted) = (self.store.clone(), reference.clone());
                match self.store.run(move |_| crate::commands::admin::named_instance(&store, &wanted)).await {
                    Ok(Ok(found)) => found,
                    Ok(Err(_)) => {
                        return format!(
                            "Jira instance {reference} is not installed, please contact the system administrator."
                        )
                        .into()
                    }
                    Err(e) => return store_trouble(e),
                }
            }
            None => {
                let open: Vec<&InstanceRecordV1> =
                    instances.iter().filter(|i| !connected.iter().any(|c| c == i.id.as_str())).collect();
                match open.as_slice() {
                    [] => return "You already have connected all available Jira accounts. Please use `/jira disconnect --instance=<id>` to disconnect.".into(),
                    [only] => (*only).clone(),
                    several => match several.iter().find(|i| i.is_default) {
                        Some(default) => (*default).clone(),
                        None => return self.connect_picker(caller, several).await,
                    },
                }
            }
        };
        let id = instance.id.to_string();
        if connected.contains(&id) {
            return format!("You already have a Jira account linked to your Mattermost account from {id}. Please use `/jira disconnect --instance={id}` to disconnect.").into();
        }
        let Some(method) = token_method(self, &instance) else { return super::OAUTH_NOT_YET.into() };
        let label = match method {
            UserAuthMethod::ApiToken => "Use an API token",
            _ => "Use a personal access token",
        };
        let mut state = bound_state(caller, USE_TOKEN, Some(id.clone()), EPHEMERAL_BUTTON_SECS);
        state.data.insert("cloud".into(), json!(instance.instance_type == InstanceType::Cloud));
        let Ok(button) = PostAction::button(USE_TOKEN, label, self.button_integration(&state)) else {
            return "jirabridge could not make the connect button.".into();
        };
        let text = format!("Link your Jira account at {id}: the button below opens a form for your token. jirabridge checks it with Jira and keeps it encrypted.");
        Answer { text, attachments: vec![Attachment { actions: vec![button], ..Attachment::default() }] }
    }

    /// The click on the token button: the form for the token.
    pub(super) fn token_dialog(&self, caller: &Caller, state: &SignedState) -> Outcome {
        let (Some(instance_id), Ok(nonce)) = (state.iid.clone(), signed::nonce()) else {
            return Outcome::Failed("Failed to connect to Jira.".into());
        };
        let cloud = state.data.get("cloud").and_then(Value::as_bool).unwrap_or(false);
        let mut token = DialogElement::text("token", if cloud { "API token" } else { "Personal access token" });
        token.subtype = Some(TextSubtype::Password);
        token.max_length = Some(1000);
        let mut elements = vec![token];
        if cloud {
            let mut email = DialogElement::text("email", "Atlassian account email");
            email.subtype = Some(TextSubtype::Email);
            elements.insert(0, email);
        }
        let mut form = bound_state(caller, CONNECT_TOKEN, Some(instance_id.clone()), DIALOG_SECS);
        (form.n, form.data) = (Some(nonce), Map::from_iter([("cloud".to_string(), json!(cloud))]));
        match self.signed_dialog(("Connect to Jira", "Connect"), elements, &form) {
            Ok(dialog) => {
                Outcome::OpenDialog(dialog.introduction(&format!(
                    "Your token for {instance_id}. It is checked with Jira, then kept encrypted."
                )))
            }
            Err(e) => Outcome::Failed(format!("Failed to connect to Jira: {e}")),
        }
    }

    /// The submitted form: check the token with Jira, then keep the connection.
    pub(super) async fn connect_with_token(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let text = |name: &str| super::form_text(values, name);
        let (token, email) = (text("token"), text("email"));
        let (instance_id, cloud) = match state.iid.clone() {
            Some(id) => (id, state.data.get("cloud").and_then(Value::as_bool).unwrap_or(false)),
            // The picker: the instance is one of the form's values, checked against the store.
            None => {
                let (store, picked) = (self.store.clone(), text("instance"));
                match self.store.run(move |_| store.instance(&picked)).await {
                    Ok(Some(found)) if token_method(self, &found).is_some() => {
                        (found.id.to_string(), found.instance_type == InstanceType::Cloud)
                    }
                    Ok(_) => {
                        return Outcome::Invalid(
                            [("instance".to_string(), "Choose a Jira instance.".to_string())].into(),
                        )
                    }
                    Err(e) => return Outcome::Failed(store_trouble(e).text),
                }
            }
        };
        let mut missing = std::collections::BTreeMap::new();
        if token.is_empty() {
            missing.insert("token".to_string(), "Enter the token.".to_string());
        }
        if cloud && !email.contains('@') {
            missing.insert("email".to_string(), "Enter the email address of your Atlassian account.".to_string());
        }
        if !missing.is_empty() {
            return Outcome::Invalid(missing);
        }
        if self.connected_instances(&caller.user_id).contains(&instance_id) {
            return Outcome::Failed(format!("You already have a Jira account linked to your Mattermost account from {instance_id}. Please use `/jira disconnect --instance={instance_id}` to disconnect."));
        }
        let auth = if cloud { ConnectionAuth::ApiToken { email, token } } else { ConnectionAuth::Pat { token } };
        let Some(jira_auth) = auth_of(&auth) else { return Outcome::Failed("Failed to connect to Jira.".into()) };
        let me = match crate::jira::rest::myself(&self.jira, &instance_id, &jira_auth).await {
            Ok(me) => me,
            Err(JiraError::Unauthorized | JiraError::Forbidden) => {
                return Outcome::Invalid([("token".to_string(), "Jira rejected this token.".to_string())].into());
            }
            Err(e) => {
                tracing::warn!(instance = %instance_id, error = %e, "checking a user's token with Jira failed");
                return Outcome::Failed(format!("Failed to connect to Jira: {}", super::issues::safe(&e.to_string())));
            }
        };
        let connection = Connection {
            instance_id: instance_id.clone(),
            mm_user_id: caller.user_id.clone(),
            jira: JiraUser {
                account_id: me.account_id,
                name: me.name,
                key: me.key,
                display_name: me.display_name,
                email: me.email_address,
                time_zone: me.time_zone,
                avatar_url: String::new(),
            },
            auth,
            settings: NotificationSettings::all_on(),
            saved_project_key: None,
            saved_issue_type: None,
            connected_at_ms: now_ms(),
        };
        let (store, key, stored) = (self.store.clone(), self.key.clone(), connection.clone());
        if let Err(e) = self.store.run(move |_| store.put_connection(&stored, &key)).await {
            tracing::error!(error = %e, "could not store a Jira connection");
            return Outcome::Failed(STORE_TROUBLE.into());
        }
        self.remember(&caller.user_id, &instance_id);
        self.direct_message(&caller.user_id, CONNECTED_DM).await;
        Outcome::Done(CONNECTED_DM.into())
    }

    /// Several instances, none the default: one form picks the instance and takes the token
    /// (SPEC §8.1's picker; the email is asked for Jira Cloud only).
    async fn connect_picker(&self, caller: &Caller, open: &[&InstanceRecordV1]) -> Answer {
        let options: Vec<ActionOption> = open
            .iter()
            .filter(|i| token_method(self, i).is_some())
            .map(|i| ActionOption { text: i.id.to_string(), value: i.id.to_string() })
            .collect();
        if options.is_empty() {
            return super::OAUTH_NOT_YET.into();
        }
        let mut email = DialogElement::text("email", "Email (Jira Cloud)");
        email.subtype = Some(TextSubtype::Email);
        email.optional = true;
        email.help_text = "The email of your Atlassian account, for an API token on Jira Cloud.".into();
        let mut token = DialogElement::text("token", "Token");
        token.subtype = Some(TextSubtype::Password);
        token.max_length = Some(1000);
        token.help_text = "A personal access token (Jira Data Center) or an API token (Jira Cloud).".into();
        let elements = vec![DialogElement::select("instance", "Jira instance", options), email, token];
        self.open_form(caller, ("Connect to Jira", "Connect"), elements, CONNECT_TOKEN, (None, Map::new())).await
    }

    /// Opens a form whose state (`op`, `instance`, `data`) is bound to the caller and used
    /// once; answers nothing when it opened, else the sentence.
    pub(super) async fn open_form(
        &self,
        caller: &Caller,
        (title, submit): (&str, &str),
        elements: Vec<DialogElement>,
        op: &str,
        (instance, data): (Option<String>, Map<String, Value>),
    ) -> Answer {
        let state = SignedState {
            rurl: Some(caller.response_url.clone()).filter(|u| !u.is_empty()),
            n: signed::nonce().ok(),
            data,
            ..bound_state(caller, op, instance, DIALOG_SECS)
        };
        let dialog = match self.signed_dialog((title, submit), elements, &state) {
            Ok(dialog) => dialog,
            Err(e) => return format!("jirabridge could not make the form: {e}").into(),
        };
        let url = format!("{}/mattermost/dialog", self.settings.current().public_base_url());
        let open = OpenDialog { trigger_id: caller.trigger_id.clone(), url, dialog };
        match self.mattermost.open_dialog_or_say(&open).await {
            Ok(()) => Answer::default(),
            Err(sentence) => sentence.into(),
        }
    }

    /// The disconnect picker's submission: the chosen connection ends; the result goes to
    /// the command's response URL (the form just closes).
    pub(super) async fn disconnect_picked(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let picked = values.get("instance").and_then(Value::as_str).unwrap_or_default().to_string();
        if !self.connected_instances(&caller.user_id).contains(&picked) {
            return Outcome::Invalid([("instance".to_string(), "Choose one of your connections.".to_string())].into());
        }
        let said = self.disconnect(caller, Some(picked)).await;
        if let Some(rurl) = &state.rurl {
            let reply = crate::mattermost::command::CommandResponse::ephemeral(said.clone());
            if let Err(e) = self.mattermost.respond_to_command(rurl, &reply).await {
                tracing::warn!(error = %e, "could not say that a connection ended");
            }
        }
        Outcome::Done(said)
    }

    /// `/jira disconnect [url]` (SPEC §8.5): subscriptions are kept.
    pub(super) async fn disconnect(&self, caller: &Caller, named: Option<String>) -> String {
        let connected = self.connected_instances(&caller.user_id);
        if connected.is_empty() {
            return NOT_CONNECTED_ANYWHERE.into();
        }
        let instance_id = match named {
            Some(reference) => {
                let store = self.store.clone();
                let wanted = reference.clone();
                match self.store.run(move |_| crate::commands::admin::named_instance(&store, &wanted)).await {
                    Ok(Ok(found)) if connected.iter().any(|c| c == found.id.as_str()) => found.id.to_string(),
                    Ok(_) => return format!("You do not currently have a Jira account at {reference} linked to your Mattermost account. Please use `/jira connect` to connect your account."),
                    Err(e) => return format!("Could not complete the **disconnection** request. Error: {e}"),
                }
            }
            None => match connected.as_slice() {
                [only] => only.clone(),
                several => {
                    let options = several.iter().map(|i| ActionOption { text: i.clone(), value: i.clone() }).collect();
                    let elements = vec![DialogElement::select("instance", "Jira instance", options)];
                    let title = ("Disconnect Jira", "Disconnect");
                    let opened = self.open_form(caller, title, elements, DISCONNECT_PICK, (None, Map::new()));
                    return opened.await.text;
                }
            },
        };
        let (store, user, id) = (self.store.clone(), caller.user_id.clone(), instance_id.clone());
        match self.store.run(move |_| store.remove_connection(&id, &user)).await {
            Ok(removed) => {
                self.forget(&caller.user_id, &instance_id);
                let name = removed.map(|jira| super::issues::safe(&jira.display_name)).unwrap_or_default();
                format!("You have successfully disconnected your Jira account (**{name}**).")
            }
            Err(e) => format!("Could not complete the **disconnection** request. Error: {e}"),
        }
    }

    /// `/jira instance default <url>` (SPEC §9.3).
    pub(super) async fn set_default(&self, caller: &Caller, named: Option<String>) -> String {
        let Some(reference) = named else { return "Please specify the Jira instance URL".into() };
        let failed = |e: &str| format!("Could not complete the **default instance** request. Error: {e}");
        let (store, user) = (self.store.clone(), caller.user_id.clone());
        let outcome = self
            .store
            .run(move |_| -> Result<Result<String, String>, StoreError> {
                let instance = match crate::commands::admin::named_instance(&store, &reference)? {
                    Ok(instance) => instance,
                    Err(sentence) => return Ok(Err(sentence)),
                };
                let id = instance.id.to_string();
                match store.set_default_instance(&user, &id)? {
                    true => Ok(Ok(id)),
                    false => Ok(Err(format!("you are not connected to {id}"))),
                }
            })
            .await;
        match outcome {
            Ok(Ok(id)) => format!("You have successfully set a default instance for your Jira account (**{id}**)."),
            Ok(Err(why)) => failed(&why),
            Err(e) => failed(&e.to_string()),
        }
    }

    /// A direct message from the bot; a failure is logged (the user saw the reply already).
    pub(super) async fn direct_message(&self, user_id: &str, text: &str) {
        let Ok(user) = MmUserId::parse(user_id) else { return };
        let post = NewPost { message: text.to_string(), ..NewPost::default() };
        if let Err(e) = self.mattermost.direct_message(&user, &post).await {
            tracing::warn!(user = %user_id, error = %e, "could not send a direct message");
        }
    }
}

fn store_trouble(e: StoreError) -> Answer {
    tracing::error!(error = %e, "a /jira command could not use the store");
    STORE_TROUBLE.into()
}
