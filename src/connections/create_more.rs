//! The second step of `/jira create` (SPEC §10.1): when the create screen requires fields the
//! first form does not ask for (or the user ticked "Fill in more fields"), the first form
//! closes and an ephemeral offers **Fill in N more fields**; its click opens a form built
//! from the create screen (`create_fields`), whose submission creates the issue. A user
//! field is mapped to the chosen user's own connection.

use serde_json::{json, Map, Value};

use super::create_fields::{configured_teams, element, jira_value, kind_of, second_form, Kind};
use super::{bound_state, Connections};
use crate::commands::jira_ops::{Caller, Outcome};
use crate::commands::signed::{self, SignedState, DIALOG_SECS, EPHEMERAL_BUTTON_SECS};
use crate::ids::InstanceType;
use crate::mattermost::action::PostAction;
use crate::mattermost::command::CommandResponse;
use crate::mattermost::dialog::DialogElement;
use crate::mattermost::post::Attachment;

/// The button's op, and the second form's.
pub(super) const MORE_FIELDS: &str = "morefields";
pub(super) const CREATE_MORE: &str = "createmore";

impl Connections {
    /// Offers the second form: an ephemeral with **Fill in N more fields**, through the
    /// first form's response URL. `data` is what the first form gathered.
    pub(super) async fn offer_more_fields(
        &self,
        caller: &Caller,
        state: &SignedState,
        count: usize,
        data: Map<String, Value>,
    ) -> Outcome {
        let Some(rurl) = state.rurl.clone() else {
            return Outcome::Failed("Jira needs more fields for this issue; run the command again.".into());
        };
        let mut button_state = bound_state(caller, MORE_FIELDS, state.iid.clone(), EPHEMERAL_BUTTON_SECS);
        (button_state.rurl, button_state.data) = (Some(rurl.clone()), data);
        let label =
            if count == 1 { "Fill in 1 more field".to_string() } else { format!("Fill in {count} more fields") };
        let Ok(button) = PostAction::button(MORE_FIELDS, &label, self.button_integration(&button_state)) else {
            return Outcome::Failed("jirabridge could not make the button.".into());
        };
        let mut reply = CommandResponse::ephemeral("Jira asks for more about this issue.".to_string());
        reply.attachments = vec![Attachment { actions: vec![button], ..Attachment::default() }];
        match self.mattermost.respond_to_command(&rurl, &reply).await {
            Ok(()) => Outcome::Done(String::new()),
            Err(e) => Outcome::Failed(format!("jirabridge could not offer the other fields: {e}")),
        }
    }

    /// The button's click: the second form, from the create screen read again.
    pub(super) async fn more_fields_clicked(&self, caller: &Caller, state: &SignedState) -> Outcome {
        let acting = match self.acting(&caller.user_id, state.iid.as_deref()).await {
            Ok(acting) => acting,
            Err(why) => return Outcome::Done(why),
        };
        let data = &state.data;
        let (project, issue_type) =
            (data["project"].as_str().unwrap_or_default(), data["issue_type"].as_str().unwrap_or_default());
        let more = data["more"].as_bool().unwrap_or(false);
        let screen = match self.create_screen(&acting, project, issue_type).await {
            Ok(screen) => screen,
            Err(why) => return Outcome::Done(why),
        };
        let teams = configured_teams(&self.settings.current());
        let fields = match second_form(&screen, &super::create::FILLED, more, &teams) {
            Ok(fields) => fields,
            Err(names) => {
                return Outcome::Done(format!("Jira asks for fields jirabridge cannot fill in: {}", names.join(", ")))
            }
        };
        let elements: Vec<DialogElement> = fields.iter().filter_map(|field| element(field, &teams)).collect();
        if elements.is_empty() {
            return Outcome::Done("Jira asks for nothing more.".into());
        }
        let Ok(nonce) = signed::nonce() else { return Outcome::Failed("jirabridge could not make the form.".into()) };
        let mut form = bound_state(caller, CREATE_MORE, state.iid.clone(), DIALOG_SECS);
        (form.n, form.rurl, form.data) = (Some(nonce), state.rurl.clone(), state.data.clone());
        match self.signed_dialog(("Create Jira issue", "Create"), elements, &form) {
            Ok(dialog) => Outcome::OpenDialog(dialog),
            Err(e) => Outcome::Failed(format!("jirabridge could not make the form: {e}")),
        }
    }

    /// The second form's submission: its values joined to the first form's, then the issue.
    pub(super) async fn create_more_submitted(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let acting = match self.acting(&caller.user_id, state.iid.as_deref()).await {
            Ok(acting) => acting,
            Err(why) => return Outcome::Failed(why),
        };
        let data = &state.data;
        let text = |name: &str| data[name].as_str().unwrap_or_default().to_string();
        let (project, issue_type) = (text("project"), text("issue_type"));
        let screen = match self.create_screen(&acting, &project, &issue_type).await {
            Ok(screen) => screen,
            Err(why) => return Outcome::Failed(why),
        };
        let teams = configured_teams(&self.settings.current());
        let asked = match second_form(&screen, &super::create::FILLED, data["more"].as_bool().unwrap_or(false), &teams)
        {
            Ok(asked) => asked,
            Err(names) => {
                return Outcome::Failed(format!("Jira asks for fields jirabridge cannot fill in: {}", names.join(", ")))
            }
        };
        let mut extra = Map::new();
        let mut errors = std::collections::BTreeMap::new();
        for field in &asked {
            let submitted = values.get(&field.field_id).cloned().unwrap_or(Value::Null);
            if kind_of(field) == Some(Kind::User) {
                match self.user_field(&acting, &submitted).await {
                    Ok(Some(person)) => drop(extra.insert(field.field_id.clone(), person)),
                    Ok(None) if field.required => {
                        drop(errors.insert(field.field_id.clone(), format!("{} is required.", field.name)))
                    }
                    Ok(None) => {}
                    Err(why) => drop(errors.insert(field.field_id.clone(), why)),
                }
                continue;
            }
            match jira_value(field, &submitted) {
                Ok(Some(value)) => drop(extra.insert(field.field_id.clone(), value)),
                Ok(None) => {}
                Err(why) => drop(errors.insert(field.field_id.clone(), why)),
            }
        }
        if !errors.is_empty() {
            return Outcome::Invalid(errors);
        }
        extra.extend(super::create::reporter(&screen, &acting));
        let first = (project, issue_type, text("summary"), text("description"));
        self.create_now(caller, &acting, state, first, extra).await
    }

    /// A user field's value: the chosen Mattermost user's own Jira identity.
    async fn user_field(&self, acting: &super::Acting, submitted: &Value) -> Result<Option<Value>, String> {
        let Some(user) = submitted.as_str().filter(|u| !u.is_empty()).map(str::to_string) else { return Ok(None) };
        let (store, key, instance) = (self.store.clone(), self.key.clone(), acting.instance.id.to_string());
        let who = user.clone();
        let found =
            self.store.run(move |_| store.connection(&instance, &who, &key)).await.map_err(|e| e.to_string())?;
        let Some(connection) = found else {
            let name = Some(self.username(&user).await).filter(|n| !n.is_empty()).unwrap_or(user);
            return Err(format!("{name} is not connected to Jira"));
        };
        Ok(Some(match acting.instance.instance_type {
            InstanceType::Cloud => json!({"accountId": connection.jira.account_id}),
            InstanceType::Server => json!({"name": connection.jira.name}),
        }))
    }
}
