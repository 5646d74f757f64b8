//! Connecting and disconnecting (SPEC §8.1, §8.5), and the default instance (§9.3).
//!
//! `/jira connect` answers a button per allowed token method; the click opens a dialog
//! (`token`, and `email` on Cloud); the submission is checked with `GET /myself` under those
//! credentials before anything is stored. The button's state is bound to the user, the
//! channel and the instance; the dialog's also carries a nonce, so it is used once.

use serde_json::{json, Map, Value};

use super::{bound_state, Connections, STORE_TROUBLE};
use crate::commands::jira_ops::{Answer, Caller, Outcome};
use crate::commands::run::NO_INSTANCES;
use crate::commands::signed::{self, SignedState, DIALOG_SECS, EPHEMERAL_BUTTON_SECS};
use crate::config::UserAuthMethod;
use crate::ids::{InstanceType, MmUserId};
use crate::jira::auth::JiraAuth;
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

pub(super) const CONNECTED_DM: &str =
    "You have successfully connected your Jira account. Type in /jira to get started.";
/// `jira.user_auth_methods` allows no method this instance takes.
const NO_METHOD: &str = "No way to connect to this Jira instance is allowed here (jira.user_auth_methods). Please contact the system administrator.";
pub(super) const NOT_CONNECTED_ANYWHERE: &str =
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
            Err(e) => return super::store_trouble(e).into(),
        };
        if instances.is_empty() {
            return NO_INSTANCES.into();
        }
        let connected = self.connected_instances(&caller.user_id);
        // Chosen because Jira refuses its connection: not asked again below.
        let mut known_refused = false;
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
                    Err(e) => return super::store_trouble(e).into(),
                }
            }
            None => {
                let open: Vec<&InstanceRecordV1> =
                    instances.iter().filter(|i| !connected.iter().any(|c| c == i.id.as_str())).collect();
                match open.as_slice() {
                    [] => match self.first_refused(&caller.user_id, &instances).await {
                        Some(refused) => {
                            known_refused = true;
                            refused
                        }
                        None => return "You already have connected all available Jira accounts. Please use `/jira disconnect --instance=<id>` to disconnect.".into(),
                    },
                    [only] => (*only).clone(),
                    several => match several.iter().find(|i| i.is_default) {
                        Some(default) => (*default).clone(),
                        None => return self.connect_picker(caller, several).await,
                    },
                }
            }
        };
        let id = instance.id.to_string();
        if connected.contains(&id) && !known_refused && !self.refused_by_jira(&caller.user_id, &id).await {
            return format!("You already have a Jira account linked to your Mattermost account from {id}. Please use `/jira disconnect --instance={id}` to disconnect.").into();
        }
        let token = token_method(self, &instance);
        let mut text = String::new();
        if self.settings.current().jira.user_auth_methods.contains(&UserAuthMethod::Oauth) {
            match self.connect_link(&caller.user_id, &instance).await {
                Ok(link) => text = format!("[Click here to link your Jira account]({link})"),
                Err(why) if token.is_none() => return why.into(),
                Err(why) => tracing::info!(instance = %id, reason = %why, "no OAuth link; the token button remains"),
            }
        }
        let Some(method) = token else {
            return if text.is_empty() { NO_METHOD.into() } else { text.into() };
        };
        let label = match method {
            UserAuthMethod::ApiToken => "Use an API token",
            _ => "Use a personal access token",
        };
        let mut state = bound_state(caller, USE_TOKEN, Some(id.clone()), EPHEMERAL_BUTTON_SECS);
        state.data.insert("cloud".into(), json!(instance.instance_type == InstanceType::Cloud));
        let Ok(button) = PostAction::button(USE_TOKEN, label, self.button_integration(&state)) else {
            return "jirabridge could not make the connect button.".into();
        };
        if text.is_empty() {
            text = format!("Link your Jira account at {id}: the button below opens a form for your token. jirabridge checks it with Jira and keeps it encrypted.");
        } else {
            text.push_str("\nOr use a token: the button below opens a form for it.");
        }
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
                    Err(e) => return Outcome::Failed(super::store_trouble(e)),
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
        let connected = self.connected_instances(&caller.user_id).contains(&instance_id);
        if connected && !self.refused_by_jira(&caller.user_id, &instance_id).await {
            return Outcome::Failed(format!("You already have a Jira account linked to your Mattermost account from {instance_id}. Please use `/jira disconnect --instance={instance_id}` to disconnect."));
        }
        let (auth, jira_auth) = if cloud {
            (
                ConnectionAuth::ApiToken { email: email.clone(), token: token.clone() },
                JiraAuth::api_token(&email, &token),
            )
        } else {
            (ConnectionAuth::Pat { token: token.clone() }, JiraAuth::Bearer(token))
        };
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
        match self.connected(&caller.user_id, &instance_id, me, auth).await {
            Ok(()) => Outcome::Done(CONNECTED_DM.into()),
            Err(why) => Outcome::Failed(why),
        }
    }

    /// Keeps a checked connection (all notifications on, SPEC §8.3; a connection it replaces,
    /// or one that ended when its grant expired, passes on its notification settings and the
    /// project last used) and tells the user in a DM; `Err` is the sentence when it could
    /// not be stored.
    pub(super) async fn connected(
        &self,
        user: &str,
        instance_id: &str,
        me: crate::jira::rest::JiraPerson,
        auth: ConnectionAuth,
    ) -> Result<(), String> {
        let (store, key, id, who) = (self.store.clone(), self.key.clone(), instance_id.to_string(), user.to_string());
        let replaced = self.store.run(move |_| store.connection(&id, &who, &key)).await.ok().flatten();
        let (store, id, who) = (self.store.clone(), instance_id.to_string(), user.to_string());
        let expired = self.store.run(move |_| store.expired_choices(&id, &who)).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the choices an expired connection left");
            None
        });
        let mut connection = Connection {
            instance_id: instance_id.to_string(),
            mm_user_id: user.to_string(),
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
        if let Some(replaced) = replaced {
            connection.settings = replaced.settings;
            (connection.saved_project_key, connection.saved_issue_type) =
                (replaced.saved_project_key, replaced.saved_issue_type);
        } else if let Some(kept) = &expired {
            connection.settings = kept.settings.clone();
            (connection.saved_project_key, connection.saved_issue_type) =
                (kept.saved_project_key.clone(), kept.saved_issue_type.clone());
        }
        let (store, key, stored) = (self.store.clone(), self.key.clone(), connection.clone());
        let stored = self.store.run(move |_| {
            store.put_connection(&stored, &key)?;
            // Whatever an expired connection left is used up (or unreadable): the connection
            // is stored either way, so a failure here is only logged.
            if let Err(e) = store.forget_expired_choices(&stored.instance_id, &stored.mm_user_id) {
                tracing::warn!(error = %e, "could not forget the choices an expired connection left");
            }
            Ok::<(), StoreError>(())
        });
        if let Err(e) = stored.await {
            tracing::error!(error = %e, "could not store a Jira connection");
            return Err(STORE_TROUBLE.into());
        }
        self.remember(user, instance_id);
        // Another Jira account may see other projects.
        self.forget_projects(user, instance_id);
        self.direct_message(user, CONNECTED_DM).await;
        Ok(())
    }

    /// Several instances, none the default: one form picks the instance and takes the token
    /// (SPEC §8.1's picker; the email is asked for Jira Cloud only).
    async fn connect_picker(&self, caller: &Caller, open: &[&InstanceRecordV1]) -> Answer {
        if self.settings.current().jira.user_auth_methods.contains(&UserAuthMethod::Oauth) {
            let mut lines = Vec::new();
            for instance in open {
                if let Ok(link) = self.connect_link(&caller.user_id, instance).await {
                    lines.push(format!("* [{}]({link})", instance.id));
                }
            }
            if !lines.is_empty() {
                let mut text = format!("Choose the Jira instance to link your account to:\n{}", lines.join("\n"));
                if open.iter().any(|i| token_method(self, i).is_some()) {
                    text.push_str("\nTo use a token instead, run `/jira connect <Jira URL>`.");
                }
                return text.into();
            }
        }
        let options: Vec<ActionOption> = open
            .iter()
            .filter(|i| token_method(self, i).is_some())
            .map(|i| ActionOption { text: i.id.to_string(), value: i.id.to_string() })
            .collect();
        if options.is_empty() {
            return NO_METHOD.into();
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
        title: (&str, &str),
        elements: Vec<DialogElement>,
        op: &str,
        bound: (Option<String>, Map<String, Value>),
    ) -> Answer {
        self.open_form_with(caller, (title, elements), op, bound, None).await
    }

    /// [`Connections::open_form`] with an introduction above the fields.
    pub(super) async fn open_form_with(
        &self,
        caller: &Caller,
        ((title, submit), elements): ((&str, &str), Vec<DialogElement>),
        op: &str,
        (instance, data): (Option<String>, Map<String, Value>),
        introduction: Option<&str>,
    ) -> Answer {
        let state = SignedState {
            rurl: Some(caller.response_url.clone()).filter(|u| !u.is_empty()),
            n: signed::nonce().ok(),
            data,
            ..bound_state(caller, op, instance, DIALOG_SECS)
        };
        let dialog = match self.signed_dialog((title, submit), elements, &state) {
            Ok(dialog) => match introduction {
                Some(text) => dialog.introduction(text),
                None => dialog,
            },
            Err(e) => return format!("jirabridge could not make the form: {e}").into(),
        };
        let url = format!("{}/mattermost/dialog", self.settings.current().public_base_url());
        let open = OpenDialog { trigger_id: caller.trigger_id.clone(), url, dialog };
        match self.mattermost.open_dialog_or_say(&open).await {
            Ok(()) => Answer::default(),
            Err(sentence) => sentence.into(),
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

impl Connections {
    /// Whether Jira now refuses `user`'s stored connection to `instance_id` (a revoked token,
    /// a changed password): a 401 tells them to run `/jira connect` again, so connecting then
    /// replaces that connection instead of calling it already linked.
    async fn refused_by_jira(&self, user: &str, instance_id: &str) -> bool {
        let Ok(acting) = self.acting(user, Some(instance_id)).await else {
            // An OAuth 2.0 grant Atlassian refused ends the connection while it is read.
            return !self.connected_instances(user).iter().any(|id| id == instance_id);
        };
        // A slow Jira is not a refusal: the connection is left as it is.
        let asked = crate::jira::rest::myself(&self.jira, &acting.base, &acting.auth);
        matches!(tokio::time::timeout(std::time::Duration::from_secs(5), asked).await, Ok(Err(JiraError::Unauthorized)))
    }

    /// The first of `instances` whose connection Jira refuses, for a bare `/jira connect`
    /// when every instance is connected.
    async fn first_refused(&self, user: &str, instances: &[InstanceRecordV1]) -> Option<InstanceRecordV1> {
        for instance in instances {
            if self.refused_by_jira(user, instance.id.as_str()).await {
                return Some(instance.clone());
            }
        }
        None
    }
}
