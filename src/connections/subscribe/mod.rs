//! Editing a channel's subscriptions from chat (SPEC §6.7): `/jira subscribe` (or
//! `subscribe edit`) lists the channel's rules with **Edit**, **Delete** and **Add
//! subscription** buttons; Add and Edit open a form (`form`) whose filters are lines of text
//! (`filter_lines`). Who may do this is §6.3's question (`editors`), asked again on every
//! click and submission. Saving goes through the same `subscriptions::service` as the
//! console and the API, after the checks only chat makes (§6.2 points 3, 9 and 11); the
//! channel is told, naming the editor by their Jira display name.

mod editors;
mod fields;
mod filter_lines;
mod form;
mod submission;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{bound_state, form_text, Acting, Connections};
use crate::commands::jira_ops::{Answer, Caller, Outcome};
use crate::commands::signed::{self, SignedState, DIALOG_SECS, EPHEMERAL_BUTTON_SECS};
use crate::ids::ChannelId;
use crate::mattermost::action::PostAction;
use crate::mattermost::post::Attachment;
use crate::store::records::SubscriptionRecordV1;
use crate::store::records::SubscriptionState;
use crate::subscriptions::service::{RuleKind, SubscriptionError, Subscriptions};
use crate::subscriptions::{approximate_jql, MatchSettings, Subscription};

/// The buttons' and the form's ops (§10.4's action ids).
pub(super) const SUB_EDIT: &str = "subedit";
pub(super) const SUB_DELETE: &str = "subdelete";
pub(super) const SUB_ADD: &str = "subadd";
pub(super) const SUB_SAVE: &str = "subsave";

impl Connections {
    /// `/jira subscribe`: the channel's subscriptions, each with Edit and Delete, and Add.
    pub(super) async fn subscribe(&self, caller: &Caller, instance: Option<&str>) -> Answer {
        let acting = match self.subscription_editor(caller, instance).await {
            Ok(acting) => acting,
            Err(why) => return why.into(),
        };
        let rules = match self.channel_rules(&caller.channel_id).await {
            Ok(rules) => rules,
            Err(why) => return why.into(),
        };
        let settings = MatchSettings::from_config(&self.settings.current());
        let several_instances = rules.iter().any(|r| r.instance_id != acting.instance.id);
        let mut attachments: Vec<Attachment> = rules
            .iter()
            .map(|record| {
                let mut attachment = listed(record, settings, several_instances);
                let (edit, delete) =
                    (self.rule_button(caller, SUB_EDIT, record), self.rule_button(caller, SUB_DELETE, record));
                attachment.actions.extend(PostAction::button(SUB_EDIT, "Edit", edit).ok());
                attachment.actions.extend(PostAction::button(SUB_DELETE, "Delete", delete).ok());
                attachment
            })
            .collect();
        let add = self.button_state(caller, SUB_ADD, acting.instance.id.as_str(), None);
        let mut adding = Attachment::default();
        adding.actions.extend(PostAction::button(SUB_ADD, "Add subscription", self.button_integration(&add)).ok());
        attachments.push(adding);
        let text = if rules.is_empty() {
            "This channel has no Jira subscriptions yet.".to_string()
        } else {
            format!("Jira subscriptions in this channel ({}):", rules.len())
        };
        Answer { text, attachments }
    }

    /// A click on Edit, Delete or Add.
    pub(super) async fn subscription_clicked(&self, caller: &Caller, state: &SignedState) -> Outcome {
        let editing = match self.rule_of(caller, state).await {
            Ok(editing) => editing,
            Err(why) => return Outcome::Done(why),
        };
        let instance = editing.as_ref().map(|r| r.instance_id.to_string()).or_else(|| state.iid.clone());
        let acting = match self.subscription_editor(caller, instance.as_deref()).await {
            Ok(acting) => acting,
            Err(why) => return Outcome::Done(why),
        };
        match (state.op.as_str(), editing) {
            (SUB_DELETE, Some(record)) => self.delete_rule(caller, &acting, record).await,
            (SUB_EDIT, Some(record)) => self.rule_form(caller, state, &acting, Some(record)).await,
            _ => self.rule_form(caller, state, &acting, None).await,
        }
    }

    /// The form, for a new rule or `editing`.
    async fn rule_form(
        &self,
        caller: &Caller,
        clicked: &SignedState,
        acting: &Acting,
        editing: Option<SubscriptionRecordV1>,
    ) -> Outcome {
        let projects = match self.projects_of(acting).await {
            Ok(projects) => projects,
            Err(e) => {
                return Outcome::Done(format!(
                    "Jira did not list your projects: {}",
                    super::issues::safe(&e.to_string())
                ))
            }
        };
        let rule = editing.as_ref().map(crate::subscriptions::stored::from_record);
        let fields = match &rule {
            Some(rule) => {
                let project = rule.filters.projects.first().cloned().unwrap_or_default();
                self.field_set(acting, &project, &rule.filters.issue_types).await.choices
            }
            None => Vec::new(),
        };
        let connected = self.connected_instances(&caller.user_id);
        let instances = if connected.len() > 1 { connected } else { Vec::new() };
        let input = form::FormInput {
            editing: rule.as_ref(),
            projects: &projects,
            instances: &instances,
            instance: acting.instance.id.as_str(),
            fields: &fields,
        };
        let Ok(nonce) = signed::nonce() else { return Outcome::Failed("jirabridge could not make the form.".into()) };
        let mut state = bound_state(caller, SUB_SAVE, Some(acting.instance.id.to_string()), DIALOG_SECS);
        (state.n, state.rurl) = (Some(nonce), clicked.rurl.clone());
        if let Some(rule) = &rule {
            state.data = kept_parts(rule);
        }
        let title = if rule.is_some() { "Edit Jira subscription" } else { "Add Jira subscription" };
        match self.signed_dialog((title, "Save"), form::elements(&input), &state) {
            Ok(dialog) => Outcome::OpenDialog(dialog),
            Err(e) => Outcome::Failed(format!("jirabridge could not make the form: {e}")),
        }
    }

    /// The submitted form: the chat-only checks, then the rule saved as the console would.
    pub(super) async fn subscription_submitted(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let editing = match self.rule_of(caller, state).await {
            Ok(editing) => editing,
            Err(why) => return Outcome::Failed(why),
        };
        let chosen = form_text(values, "instance");
        let instance = if chosen.is_empty() { state.iid.clone() } else { Some(chosen) };
        let acting = match self.subscription_editor(caller, instance.as_deref()).await {
            Ok(acting) => acting,
            Err(why) => return Outcome::Failed(why),
        };
        let rule = match self.rule_from_form(caller, state, &acting, values).await {
            Ok(rule) => rule,
            Err(errors) => return Outcome::Invalid(errors),
        };
        if let Some(why) = self.bot_cannot_post_in(rule.channel_id.as_str()).await {
            return Outcome::Failed(why);
        }
        let service = self.rules(caller);
        let saved = match &editing {
            Some(existing) => service.update(&existing.id, rule).await,
            None => service.create(rule).await,
        };
        let record = match saved {
            Ok(record) => record,
            Err(SubscriptionError::Invalid(errors)) => return placed(errors),
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let who = super::issues::safe(&acting.connection.jira.display_name);
        let said = match editing {
            Some(_) => format!("Jira subscription, \"{}\", was updated by {who}", record.name),
            None => format!("Jira subscription, \"{}\", was added to this channel by {who}", record.name),
        };
        crate::subscriptions::notice::announce(&self.mattermost, &record.channel_id, &said);
        // SPEC §7.3: a subscription saved is the last instance used, like create and attach.
        self.make_default(&caller.user_id, acting.instance.id.as_str()).await;
        Outcome::Done(said)
    }

    async fn delete_rule(&self, caller: &Caller, acting: &Acting, record: SubscriptionRecordV1) -> Outcome {
        match self.rules(caller).delete(&record.id).await {
            Ok(removed) => {
                let who = super::issues::safe(&acting.connection.jira.display_name);
                let said = format!("Jira subscription, \"{}\", was removed from this channel by {who}", removed.name);
                crate::subscriptions::notice::announce(&self.mattermost, &removed.channel_id, &said);
                Outcome::Done(format!("Removed the subscription \"{}\".", removed.name))
            }
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    /// The rule operations, acting as the caller (the audit log's `mm:<user id>`).
    fn rules(&self, caller: &Caller) -> Subscriptions {
        Subscriptions {
            kind: RuleKind::Subscription,
            store: self.store.clone(),
            index: self.subscriptions.clone(),
            mattermost: self.mattermost.clone(),
            security_level_empty: self.settings.current().security.security_level_empty_for_subscriptions,
            actor: format!("mm:{}", caller.user_id),
        }
    }

    /// The channel's subscriptions, by name.
    async fn channel_rules(&self, channel_id: &str) -> Result<Vec<SubscriptionRecordV1>, String> {
        let channel = ChannelId::parse(channel_id).map_err(|_| "unknown channel".to_string())?;
        let store = self.store.clone();
        let found = self
            .store
            .run(move |_| {
                let ids = store.subscription_ids_in_channel(&channel)?;
                let records: Result<Vec<_>, _> = ids.iter().map(|id| store.subscription(id)).collect();
                records.map(|r| r.into_iter().flatten().collect::<Vec<_>>())
            })
            .await;
        let mut rules = found.map_err(super::store_trouble)?;
        rules.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(rules)
    }

    /// The subscription a button or form names, if any (Add names none).
    async fn rule_of(&self, caller: &Caller, state: &SignedState) -> Result<Option<SubscriptionRecordV1>, String> {
        match state.data.get("sub").and_then(Value::as_str) {
            Some(id) => self.rule_in_channel(caller, id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Subscription `id`, which must post in the caller's channel.
    async fn rule_in_channel(&self, caller: &Caller, id: &str) -> Result<SubscriptionRecordV1, String> {
        let (store, id) = (self.store.clone(), id.to_string());
        let found = self.store.run(move |_| store.subscription(&id)).await.map_err(super::store_trouble)?;
        match found {
            Some(record) if record.channel_id.as_str() == caller.channel_id => Ok(record),
            _ => Err(SubscriptionError::NotFound.to_string()),
        }
    }

    /// An Edit or Delete button of `record`.
    fn rule_button(
        &self,
        caller: &Caller,
        op: &str,
        record: &SubscriptionRecordV1,
    ) -> crate::mattermost::action::ActionIntegration {
        let state = self.button_state(caller, op, record.instance_id.as_str(), Some(&record.id));
        self.button_integration(&state)
    }

    /// A listing button's state: bound to the caller and the channel for a day, carrying
    /// the command's response URL for the form's result; Delete is used once.
    fn button_state(&self, caller: &Caller, op: &str, instance: &str, rule: Option<&str>) -> SignedState {
        let mut state = bound_state(caller, op, Some(instance.to_string()), EPHEMERAL_BUTTON_SECS);
        state.rurl = Some(caller.response_url.clone()).filter(|u| !u.is_empty());
        if op == SUB_DELETE {
            state.n = signed::nonce().ok();
        }
        if let Some(rule) = rule {
            state.data.insert("sub".into(), Value::String(rule.to_string()));
        }
        state
    }
}

/// A listed rule: its name, project, issue types, events in words and approximate JQL.
fn listed(record: &SubscriptionRecordV1, settings: MatchSettings, show_instance: bool) -> Attachment {
    let rule = crate::subscriptions::stored::from_record(record);
    let safe = |text: &str| super::issues::safe(text);
    let events: Vec<String> = rule
        .filters
        .events
        .iter()
        .map(|code| crate::subscriptions::words::event_words(code).map_or_else(|| safe(code), str::to_string))
        .collect();
    let projects: Vec<String> = rule.filters.projects.iter().map(|p| safe(p)).collect();
    let (jql, _) = approximate_jql(&rule, settings);
    let mut text =
        format!("Project: {}\nEvents: {}\nJQL: `{}`", projects.join(", "), events.join(", "), jql.replace('`', "'"));
    if show_instance {
        text.push_str(&format!("\nJira: {}", safe(record.instance_id.as_str())));
    }
    if record.state == SubscriptionState::Broken {
        let why = record.broken_reason.as_deref().unwrap_or("it cannot post");
        text.push_str(&format!("\n**Broken:** {}", safe(why)));
    }
    Attachment { title: Some(safe(&record.name)), text, ..Attachment::default() }
}

/// What a form keeps of the rule it edits: its id, its several issue types, and its
/// custom-field events as they were.
fn kept_parts(rule: &Subscription) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("sub".into(), Value::String(rule.id.clone()));
    let issue_types: Vec<Value> = rule.filters.issue_types.iter().cloned().map(Value::String).collect();
    data.insert("types".into(), Value::Array(issue_types));
    // The custom-field events before the edit: a field named only by its display name in
    // some Server payloads is accepted back as it was (`form::custom_events`).
    let had: Vec<Value> = form::custom_events_of(rule).into_iter().map(Value::String).collect();
    data.insert("events".into(), Value::Array(had));
    data
}

/// The service's errors on the form's fields (the first field of each group).
fn placed(errors: BTreeMap<String, String>) -> Outcome {
    let mut on_fields = BTreeMap::new();
    for (path, message) in errors {
        let field = match path.as_str() {
            "name" => "name",
            p if p.starts_with("filters.events") => crate::subscriptions::model::KNOWN_EVENTS[0],
            p if p.starts_with("filters.issue_types") => "issue_types",
            p if p.starts_with("filters.projects") => "project",
            p if p.starts_with("filters.fields") => "filters",
            _ => return Outcome::Failed(message),
        };
        on_fields.entry(field.to_string()).or_insert(message);
    }
    Outcome::Invalid(on_fields)
}
