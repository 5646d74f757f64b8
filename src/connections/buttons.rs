//! Buttons on notifications (issue 16 point 7, SPEC §10.4): **Assign to me**, **Comment**
//! and **Transition** on subscription posts and personal DMs. Any member of the channel may
//! click; Jira sees the clicker's own connection (someone not connected is told how to
//! connect). The tokens carry no nonce and live 30 days: assigning oneself twice changes
//! nothing, and Comment and Transition only open a form whose own state is used once. The
//! answer is an ephemeral; the post is not edited.

use serde_json::{Map, Value};

use super::{bound_state, Connections};
use crate::commands::jira_ops::{Caller, Outcome};
use crate::commands::parse::Assignee;
use crate::commands::signed::{self, SignedState, CHANNEL_BUTTON_SECS, DIALOG_SECS};
use crate::config::EphemeralViaApi;
use crate::delivery::buttons::PostButtons;
use crate::ids::{ChannelId, MmUserId};
use crate::jira::rest;
use crate::mattermost::action::{ActionOption, PostAction};
use crate::mattermost::dialog::{fitting_title, DialogElement};
use crate::utc::now_ms;

pub(super) const ASSIGN_ME: &str = "assignme";
pub(super) const COMMENT: &str = "comment";
pub(super) const TRANSITIONS: &str = "transitions";
/// The forms the buttons open.
pub(super) const COMMENT_ADD: &str = "commentadd";
pub(super) const TRANSITION_PICK: &str = "transitionpick";

impl PostButtons for Connections {
    fn actions(&self, instance_id: &str, issue_key: &str, channel_id: &ChannelId) -> Vec<PostAction> {
        let config = self.settings.current();
        // Without a public URL the buttons would point Mattermost at a loopback address.
        let off = !config.mattermost.notification_buttons
            || config.jira.push_only
            || config.server.public_url.trim().is_empty();
        if off {
            return Vec::new();
        }
        [(ASSIGN_ME, "Assign to me"), (COMMENT, "Comment"), (TRANSITIONS, "Transition")]
            .into_iter()
            .filter_map(|(op, name)| {
                let state = SignedState {
                    op: op.into(),
                    uid: None,
                    cid: channel_id.to_string(),
                    iid: Some(instance_id.to_string()),
                    key: Some(issue_key.to_string()),
                    exp: now_ms() / 1000 + CHANNEL_BUTTON_SECS,
                    rurl: None,
                    n: None,
                    data: Map::new(),
                };
                PostAction::button(op, name, self.button_integration(&state)).ok()
            })
            .collect()
    }
}

impl Connections {
    /// The instance a notification names, as stored: its URL came from the payload, whose
    /// case or trailing slash may differ from the instance id.
    async fn stored_instance(&self, named: Option<&str>) -> Option<String> {
        let named = named?.trim_end_matches('/').to_string();
        let store = self.store.clone();
        let all = self.store.run(move |_| store.instances()).await.ok()?;
        all.into_iter().map(|i| i.id.to_string()).find(|id| id.eq_ignore_ascii_case(&named))
    }

    /// A click on one of a notification's buttons, or the submission of a form it opened.
    pub(super) async fn notification_clicked(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        // A click's answer is shown as it is; a form's submission answered `Done` would
        // close the form with no word, and lose what was typed.
        let form = matches!(state.op.as_str(), COMMENT_ADD | TRANSITION_PICK);
        let refused = |why: String| if form { Outcome::Failed(why) } else { Outcome::Done(why) };
        let instance = self.stored_instance(state.iid.as_deref()).await;
        let (Some(instance), Some(key)) = (instance, state.key.clone()) else {
            return refused("This Jira instance is no longer installed.".into());
        };
        let acting = match self.acting(&caller.user_id, Some(&instance)).await {
            Ok(acting) => acting,
            Err(why) => return refused(why),
        };
        match state.op.as_str() {
            ASSIGN_ME => {
                let me =
                    Assignee::Mention { username: caller.user_name.clone(), user_id: Some(caller.user_id.clone()) };
                Outcome::Done(self.assign(&acting, &key, &me).await)
            }
            COMMENT => {
                let mut comment = DialogElement::textarea("comment", "Comment");
                comment.max_length = Some(3000);
                self.button_form(caller, &format!("Comment on {key}"), vec![comment], (COMMENT_ADD, &instance, &key))
            }
            COMMENT_ADD => {
                let text = super::form_text(values, "comment");
                if text.is_empty() {
                    return Outcome::Invalid([("comment".to_string(), "Write the comment.".to_string())].into());
                }
                match rest::add_comment(&self.jira, &acting.base, (&key, &text), None, &acting.auth).await {
                    Ok(_) => {
                        let done = format!("Comment added to {}.", super::issues::key_link(&acting, &key));
                        self.say_privately(caller, &done).await;
                        Outcome::Done(done)
                    }
                    Err(e) => Outcome::Failed(super::issues::jira_trouble(&e)),
                }
            }
            TRANSITIONS => {
                let transitions = match rest::transitions(&self.jira, &acting.base, &key, &acting.auth).await {
                    Ok(transitions) if !transitions.is_empty() => transitions,
                    Ok(_) => return Outcome::Done(super::issues::NO_PERMISSION.into()),
                    Err(e) => return Outcome::Done(super::issues::jira_trouble(&e)),
                };
                let options = transitions
                    .iter()
                    .map(|t| ActionOption { text: super::issues::safe(&t.to), value: t.id.clone() })
                    .collect();
                let select = DialogElement::select("transition", "Move to", options);
                self.button_form(caller, &format!("Transition {key}"), vec![select], (TRANSITION_PICK, &instance, &key))
            }
            TRANSITION_PICK => {
                let chosen = super::form_text(values, "transition");
                match self.transition_by_id(&acting, &key, &chosen).await {
                    Ok(text) => {
                        self.say_privately(caller, &text).await;
                        Outcome::Done(text)
                    }
                    Err(text) => Outcome::Failed(text),
                }
            }
            _ => Outcome::Failed("This button has expired. Run the command again.".into()),
        }
    }

    /// Tells the caller the result of a form that has no response URL (one a button opened):
    /// an ephemeral through the API when `mattermost.ephemeral_via_api` allows it (`auto`:
    /// only when the bot is a system admin), else it is logged and dropped, never posted to
    /// the channel (decided in issue 16: results may be private).
    pub(super) async fn say_privately(&self, caller: &Caller, text: &str) {
        let (Ok(user), Ok(channel)) = (MmUserId::parse(&caller.user_id), ChannelId::parse(&caller.channel_id)) else {
            return;
        };
        let allowed = match self.settings.current().mattermost.ephemeral_via_api {
            EphemeralViaApi::Never => false,
            EphemeralViaApi::Always => true,
            EphemeralViaApi::Auto => self.mattermost.me().await.is_ok_and(|bot| bot.is_system_admin()),
        };
        if !allowed {
            tracing::info!(user = %caller.user_id, "a form's result is not shown: the bot may not post ephemerals (mattermost.ephemeral_via_api)");
            return;
        }
        if let Err(e) = self.mattermost.ephemeral_post(&user, &channel, text).await {
            tracing::warn!(user = %caller.user_id, error = %e, "could not show a form's result");
        }
    }

    /// A form opened by a button, bound to the clicker, used once.
    fn button_form(
        &self,
        caller: &Caller,
        title: &str,
        elements: Vec<DialogElement>,
        (op, instance, key): (&str, &str, &str),
    ) -> Outcome {
        let Ok(nonce) = signed::nonce() else { return Outcome::Failed("jirabridge could not make the form.".into()) };
        let mut form = bound_state(caller, op, Some(instance.to_string()), DIALOG_SECS);
        (form.key, form.n) = (Some(key.to_string()), Some(nonce));
        match self.signed_dialog((fitting_title(title), "Save"), elements, &form) {
            Ok(dialog) => Outcome::OpenDialog(dialog),
            Err(e) => Outcome::Failed(format!("jirabridge could not make the form: {e}")),
        }
    }
}
