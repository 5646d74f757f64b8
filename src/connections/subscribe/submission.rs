//! A submitted subscription form read into a rule, with the checks only chat makes (SPEC
//! §6.2): the project must be one the caller can read (point 11), the issue types its own,
//! the filter lines readable, and security levels ones the caller may set (point 9). Each
//! problem is placed on its field; filter problems name their line. The bot must be able
//! to post in the channel.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::super::{form_text, Acting, Connections};
use super::filter_lines;
use super::form::{self, ALL_TYPES, KEEP_TYPES};
use crate::commands::jira_ops::Caller;
use crate::commands::signed::SignedState;
use crate::ids::ChannelId;
use crate::jira::rest;
use crate::subscriptions::model::{Filters, Subscription, SECURITY};
use crate::subscriptions::validate::{validate, PROJECT_MISSING};

/// Field name → sentence, as a dialog shows errors.
type FieldErrors = BTreeMap<String, String>;

fn one(field: &str, message: impl Into<String>) -> FieldErrors {
    BTreeMap::from([(field.to_string(), message.into())])
}

impl Connections {
    pub(super) async fn rule_from_form(
        &self,
        caller: &Caller,
        state: &SignedState,
        acting: &Acting,
        values: &Map<String, Value>,
    ) -> Result<Subscription, FieldErrors> {
        let project = form_text(values, "project").to_uppercase();
        if project.is_empty() {
            return Err(one("project", PROJECT_MISSING));
        }
        let project_types = self.issue_types_of(acting, &project).await.map_err(|why| one("project", why))?;
        let issue_types = chosen_types(&form_text(values, "issue_types"), &project_types, &state.data, &project)?;
        let mut events = form::ticked_events(values);
        let fields = self.field_set(acting, &project, &issue_types).await;
        let had: Vec<String> = strings(&state.data, "events").collect();
        let server = acting.instance.id.instance_type() == crate::ids::InstanceType::Server;
        let custom = form::custom_events(&form_text(values, "custom_events"), &fields.choices, &had, server)
            .map_err(|why| one("custom_events", why))?;
        events.extend(custom);
        let lines = filter_lines::parse(&form_text(values, "filters"), &fields.choices)
            .map_err(|e| one("filters", e.to_string()))?;
        if let Some(settable) = &fields.settable_security {
            let unsettable = lines.iter().find(|(_, f)| f.is_key(SECURITY) && !f.values.is_subset(settable));
            if let Some((line, _)) = unsettable {
                return Err(one("filters", format!("line {line}: invalid access to security level")));
            }
        }
        let rule = Subscription {
            id: state.data.get("sub").and_then(Value::as_str).unwrap_or_default().to_string(),
            channel_id: ChannelId::unchecked(caller.channel_id.as_str()),
            name: form_text(values, "name"),
            instance_id: acting.instance.id.clone(),
            filters: Filters {
                events,
                projects: BTreeSet::from([project]),
                issue_types,
                fields: lines.iter().map(|(_, f)| f.clone()).collect(),
            },
        };
        let security_empty = self.settings.current().security.security_level_empty_for_subscriptions;
        match validate(&rule, rule.id.is_empty(), security_empty) {
            Ok(()) => Ok(rule),
            Err(errors) => Err(placed_on_form(&errors, &lines)),
        }
    }

    /// Why the bot could not post in `channel_id`: it is not a member there and may not post
    /// everywhere (SPEC §11, Bot). Saved anyway, the rule would turn broken at its first post,
    /// and no confirmation of the save could reach the channel. `None` when it may post, or
    /// when Mattermost cannot be asked (delivery reports problems then).
    pub(super) async fn bot_cannot_post_in(&self, channel_id: &str) -> Option<String> {
        let bot = self.mattermost.me().await.ok()?;
        let everywhere = |role: &str| role == "system_admin" || role.starts_with("system_post_all");
        if bot.roles.split_whitespace().any(everywhere) {
            return None;
        }
        match self.mattermost.is_channel_member(channel_id, bot.id.as_str()).await {
            Ok(false) => Some(format!(
                "@{name} is not a member of this channel, so it cannot post the subscription's notifications here. Add it with `/invite @{name}`, then save again.",
                name = bot.username
            )),
            _ => None,
        }
    }

    /// The issue-type ids of `project`, if the caller can read it: from their project list
    /// when it is there, else asked of Jira (§6.2 point 11's sentence when it cannot be read).
    async fn issue_types_of(&self, acting: &Acting, key: &str) -> Result<Vec<rest::IssueType>, String> {
        if let Ok(projects) = self.projects_of(acting).await {
            if let Some(project) = projects.into_iter().find(|p| p.key == key) {
                return Ok(project.issue_types);
            }
        }
        match rest::project(&self.jira, &acting.base, key, &acting.auth).await {
            Ok(project) => Ok(project.issue_types),
            Err(e) => Err(format!("failed to get project {key:?}: {}", super::super::issues::safe(&e.to_string()))),
        }
    }
}

/// The issue types the menu's choice stands for.
fn chosen_types(
    choice: &str,
    project_types: &[rest::IssueType],
    data: &Map<String, Value>,
    project: &str,
) -> Result<BTreeSet<String>, FieldErrors> {
    match choice {
        "" | ALL_TYPES => Ok(project_types.iter().map(|t| t.id.clone()).collect()),
        KEEP_TYPES => Ok(strings(data, "types").collect()),
        id if project_types.iter().any(|t| t.id == id) => Ok(BTreeSet::from([id.to_string()])),
        id => Err(one("issue_types", format!("{id} is not an issue type of project {project}"))),
    }
}

/// A list of texts the form's state carries.
fn strings<'a>(data: &'a Map<String, Value>, name: &str) -> impl Iterator<Item = String> + 'a {
    data.get(name).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string)
}

/// §6.2's failures on the form: the first for each field, filter ones with their line.
fn placed_on_form(
    errors: &[crate::subscriptions::FieldError],
    lines: &[(usize, crate::subscriptions::FieldFilter)],
) -> FieldErrors {
    let mut placed = BTreeMap::new();
    for error in errors {
        let path = error.path.as_str();
        let (field, message) = if path == "name" {
            ("name", error.message.clone())
        } else if path.starts_with("filters.events") {
            (crate::subscriptions::model::KNOWN_EVENTS[0], error.message.clone())
        } else if let Some(rest) = path.strip_prefix("filters.fields[") {
            let index: usize = rest.split(']').next().and_then(|i| i.parse().ok()).unwrap_or(0);
            let line = lines.get(index).map_or(index + 1, |(line, _)| *line);
            ("filters", format!("line {line}: {}", error.message))
        } else if path.starts_with("filters.issue_types") {
            ("issue_types", error.message.clone())
        } else if path.starts_with("filters.projects") {
            ("project", error.message.clone())
        } else {
            ("name", error.message.clone())
        };
        placed.entry(field.to_string()).or_insert(message);
    }
    placed
}
