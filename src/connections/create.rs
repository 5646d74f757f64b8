//! `/jira create [text]` (SPEC §10.1), with the caller's own credentials: the command opens
//! the "Create Jira issue" dialog (project and issue type, summary, description); the
//! submission checks the create screen (createmeta) and creates the issue, or says which
//! required fields need Jira's own form. The result goes to the command's response URL, and
//! the bot tells the channel.
//!
//! The source message (`--post`, else the thread root) fills the form and is linked from
//! the description. Further required fields are asked for in a second form (`create_more`).
//! The source message's files are uploaded to the new issue (`files`).

use serde_json::{json, Map, Value};

use super::issues::{safe, REJECTED};
use super::{Acting, Connections};
use crate::commands::jira_ops::{Answer, Caller, Outcome};
use crate::commands::signed::SignedState;
use crate::ids::{ChannelId, InstanceType};
use crate::jira::client::JiraError;
use crate::jira::rest;
use crate::mattermost::action::ActionOption;
use crate::mattermost::command::CommandResponse;
use crate::mattermost::dialog::DialogElement;
use crate::mattermost::post::NewPost;

/// The dialog's op.
pub(super) const CREATE: &str = "create";

/// Fields the first dialog fills (or Jira fills itself).
pub(super) const FILLED: [&str; 5] = ["summary", "description", "project", "issuetype", "reporter"];

impl Connections {
    /// The command: open the dialog with the command's trigger id.
    pub(super) async fn create_command(
        &self,
        caller: &Caller,
        acting: &Acting,
        text: String,
        post: Option<String>,
    ) -> Answer {
        // The message the issue is made from: `--post`, else the thread's root; a thread the
        // bot may not read (a direct message, a private channel it is not in) is left out.
        let named = post.is_some();
        let source = match self.read_source(caller, post).await {
            Ok(source) => source,
            Err(refused) if refused.hidden_from_bot && !named => None,
            Err(refused) => return refused.sentence.into(),
        };
        let projects = match self.projects_of(acting).await {
            Ok(projects) => projects,
            Err(JiraError::Unauthorized) => return REJECTED.into(),
            Err(e) => return format!("Jira did not list its projects: {}", safe(&e.to_string())).into(),
        };
        let options: Vec<ActionOption> = projects
            .iter()
            .flat_map(|p| {
                p.issue_types.iter().filter(|t| !t.subtask).map(move |t| ActionOption {
                    text: format!("{} ({}) — {}", p.name, p.key, t.name),
                    value: format!("{}/{}", p.key, t.id),
                })
            })
            .collect();
        if options.is_empty() {
            return "Jira shows you no project you can create issues in.".into();
        }
        let message = source.as_ref().map(|p| p.message.clone()).unwrap_or_default();
        let first_line = message.lines().next().unwrap_or_default();
        let mut summary = DialogElement::text("summary", "Summary");
        summary.default_cut(if text.is_empty() { first_line } else { &text });
        summary.max_length = Some(255);
        let mut description = DialogElement::textarea("description", "Description");
        description.optional = true;
        description.default_cut(&message);
        let saved = match (&acting.connection.saved_project_key, &acting.connection.saved_issue_type) {
            (Some(project), Some(issue_type)) => format!("{project}/{issue_type}"),
            _ => String::new(),
        };
        let mut more = DialogElement::checkbox("more", "More");
        (more.placeholder, more.optional) = ("Fill in more fields".into(), true);
        let mut elements = choice_elements(options, &saved, &acting.connection);
        elements.extend([summary, description, more]);
        let mut data = Map::new();
        if let Some(source) = &source {
            data.insert("source".into(), Value::String(self.permalink(caller, source).await));
            data.insert("source_id".into(), Value::String(source.id.clone()));
        }
        let instance = Some(acting.instance.id.to_string());
        self.open_form(caller, ("Create Jira issue", "Create"), elements, CREATE, (instance, data)).await
    }

    /// The submitted dialog.
    pub(super) async fn create_submitted(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let text = |name: &str| super::form_text(values, name);
        let (summary, description) = (text("summary"), text("description"));
        let mut errors = std::collections::BTreeMap::new();
        // The element the choice was made in: Mattermost shows an error only under an
        // element the form has, and closes the form when none matches.
        let choice_element = if values.contains_key("project_type") { "project_type" } else { "project" };
        let (project, issue_type) = match values.contains_key("project_type") {
            true => match text("project_type").split_once('/') {
                Some((project, issue_type)) => (project.to_string(), issue_type.to_string()),
                None => {
                    errors.insert("project_type".to_string(), "Choose a project and issue type.".to_string());
                    return Outcome::Invalid(errors);
                }
            },
            // Too many choices for one menu: the key and the type were typed.
            false => match self.typed_choice(caller, state, (&text("project"), &text("issue_type"))).await {
                Ok(choice) => choice,
                Err(errors) => return Outcome::Invalid(errors),
            },
        };
        if summary.is_empty() || summary.chars().count() > 255 {
            errors.insert("summary".to_string(), "A summary of 1 to 255 characters is required.".to_string());
            return Outcome::Invalid(errors);
        }
        let acting = match self.acting(&caller.user_id, state.iid.as_deref()).await {
            Ok(acting) => acting,
            Err(why) => return Outcome::Failed(why),
        };
        let screen = match self.create_screen(&acting, &project, &issue_type).await {
            Ok(screen) => screen,
            Err(why) => return Outcome::Failed(why),
        };
        let more = values.get("more").is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
        let teams = super::create_fields::configured_teams(&self.settings.current());
        match super::create_fields::second_form(&screen, &FILLED, more, &teams) {
            Err(names) => {
                // Shown under the choice, with the form still open: another project may do.
                let list: Vec<String> = names.iter().map(|name| format!("- {name}")).collect();
                let pid = self.project_id(&acting, &project).await;
                let manual = manual_link(&acting, (&pid, &issue_type), (&summary, &description));
                let sentence = format!(
                    "[Please create your Jira issue manually]({manual}). The project you tried to create an issue for has **required fields** this plugin does not yet support:\n{}",
                    list.join("\n")
                );
                Outcome::Invalid([(choice_element.to_string(), sentence)].into())
            }
            Ok(asked) if !asked.is_empty() => {
                let data = Map::from_iter([
                    ("project".to_string(), json!(project)),
                    ("issue_type".to_string(), json!(issue_type)),
                    ("summary".to_string(), json!(summary)),
                    ("description".to_string(), json!(description)),
                    ("more".to_string(), json!(more)),
                    ("source".to_string(), state.data.get("source").cloned().unwrap_or(Value::Null)),
                    ("source_id".to_string(), state.data.get("source_id").cloned().unwrap_or(Value::Null)),
                ]);
                self.offer_more_fields(caller, state, asked.len(), data).await
            }
            Ok(_) => {
                let extra = reporter(&screen, &acting).into_iter().collect();
                self.create_now(caller, &acting, state, (project, issue_type, summary, description), extra).await
            }
        }
    }

    /// A typed project key and issue type (name or id), checked against the caller's projects.
    async fn typed_choice(
        &self,
        caller: &Caller,
        state: &SignedState,
        (project, issue_type): (&str, &str),
    ) -> Result<(String, String), std::collections::BTreeMap<String, String>> {
        let invalid = |field: &str, why: &str| Err([(field.to_string(), why.to_string())].into());
        let acting = match self.acting(&caller.user_id, state.iid.as_deref()).await {
            Ok(acting) => acting,
            Err(why) => return invalid("project", &why),
        };
        let projects = self.projects_of(&acting).await.unwrap_or_default();
        let Some(found) = projects.iter().find(|p| p.key.eq_ignore_ascii_case(project)) else {
            return invalid("project", "Enter the key of a project you can create issues in.");
        };
        let types = found.issue_types.iter().filter(|t| !t.subtask);
        let mut types = types.filter(|t| t.id == issue_type || t.name.eq_ignore_ascii_case(issue_type));
        match types.next() {
            Some(chosen) => Ok((found.key.clone(), chosen.id.clone())),
            None => {
                let names: Vec<&str> =
                    found.issue_types.iter().filter(|t| !t.subtask).map(|t| t.name.as_str()).collect();
                invalid("issue_type", &format!("{} has these issue types: {}", found.key, names.join(", ")))
            }
        }
    }

    /// The create screen of a project and issue type (an empty one when Jira has none to
    /// show); `Err` is the sentence.
    pub(super) async fn create_screen(
        &self,
        acting: &Acting,
        project: &str,
        issue_type: &str,
    ) -> Result<Vec<rest::CreateField>, String> {
        let version = self.instance_auth(acting.instance.id.as_str()).await.ok().and_then(|a| a.jira_server_version);
        let old_jira = version.is_some_and(|v| rest::older_than(&v, 8, 4));
        match rest::create_fields(&self.jira, &acting.base, (project, issue_type), old_jira, &acting.auth).await {
            Ok(fields) => Ok(fields),
            Err(JiraError::NotFound) => Ok(Vec::new()),
            Err(JiraError::Unauthorized) => Err(REJECTED.into()),
            Err(e) => Err(format!("Jira did not show its create screen: {}", safe(&e.to_string()))),
        }
    }

    /// Creates the issue from the first form's values and `extra` fields, then tells the
    /// user (response URL) and the channel, and remembers the project.
    pub(super) async fn create_now(
        &self,
        caller: &Caller,
        acting: &Acting,
        state: &SignedState,
        (project, issue_type, summary, description): (String, String, String, String),
        extra: Map<String, Value>,
    ) -> Outcome {
        let mut fields = json!({"project": {"key": project}, "issuetype": {"id": issue_type}, "summary": summary});
        let mut text = description.clone();
        if let Some(source) = state.data.get("source").and_then(Value::as_str) {
            text.push_str(&format!("\n\n_Issue created from a [message in Mattermost|{source}]_."));
        }
        if !text.trim().is_empty() {
            fields["description"] = json!(text.trim());
        }
        if let Some(all) = fields.as_object_mut() {
            all.extend(extra);
        }
        let key = match rest::create_issue(&self.jira, &acting.base, fields, &acting.auth).await {
            Ok(key) => key,
            Err(JiraError::BadRequest(why)) if why.contains("is required.") => {
                // Only now: the project's id may cost a read of the project list.
                let pid = self.project_id(acting, &project).await;
                let manual = manual_link(acting, (&pid, &issue_type), (&summary, &description));
                let why = safe(&why);
                return Outcome::Failed(format!("Failed to create issue. Your Jira project requires fields the plugin does not yet support. [Please create your Jira issue manually]({manual}) or contact your Jira administrator.\n{why}"));
            }
            Err(JiraError::Unauthorized) => return Outcome::Failed(REJECTED.into()),
            Err(e) => return Outcome::Failed(format!("Failed to create issue: {}", safe(&e.to_string()))),
        };
        // The caller's access to the message was checked when the command ran.
        let source = match state.data.get("source_id").and_then(Value::as_str) {
            Some(source_id) => self.mattermost.post(source_id).await.map_err(|e| {
                tracing::warn!(error = %e, "the source message of a created issue could not be read again");
            }),
            None => Err(()),
        };
        // SPEC §10.1: the channel hears of the issue in the message's thread, when the
        // message is in this channel (a link can name one elsewhere).
        let thread = source.as_ref().ok().filter(|source| source.channel_id == caller.channel_id).map(|source| {
            if source.root_id.is_empty() {
                source.id.clone()
            } else {
                source.root_id.clone()
            }
        });
        self.announce_created(caller, acting, state, &key, thread).await;
        if let Ok(source) = source {
            drop(self.carry_files(&caller.user_id, acting, &key, &source).await);
        }
        let (store, instance, user) = (self.store.clone(), acting.instance.id.to_string(), caller.user_id.clone());
        let remembered =
            self.store.run(move |_| store.update_saved_fields(&instance, &user, (&project, &issue_type))).await;
        if let Err(e) = remembered {
            tracing::warn!(error = %e, "could not remember the project of a created issue");
        }
        Outcome::Done(format!("Created Jira issue [{key}]({})", super::issues::browse(acting, &key)))
    }

    /// "Created Jira issue …" to the command's response URL, and the bot's post in the channel
    /// (in `thread` when given).
    async fn announce_created(
        &self,
        caller: &Caller,
        acting: &Acting,
        state: &SignedState,
        key: &str,
        thread: Option<String>,
    ) {
        let base = acting.base.trim_end_matches('/');
        let issue = rest::issue(&self.jira, base, key, &acting.auth).await.unwrap_or_default();
        let summary = super::issues::safe(&super::issues::shorten(&issue.summary, 80));
        let status = super::issues::safe(&issue.status);
        let browse = super::issues::browse(acting, key);
        let mut created = CommandResponse::ephemeral(format!("Created Jira issue [{key}]({browse})"));
        if !issue.key.is_empty() {
            // SPEC §10.1: with the issue card of §10.5.
            created.attachments.push(super::issues::issue_attachment(acting, &issue));
        }
        self.reply_later_with(caller, state.rurl.as_deref(), &created, "that an issue was created").await;
        // A dialog submission does not say who by name.
        let name = self.caller_username(caller).await;
        if let Ok(channel_id) = ChannelId::parse(&caller.channel_id) {
            let message = format!("@{name} created a Jira issue: [{key}: {summary} ({status})]({browse})");
            let mut post = NewPost { channel_id, message, root_id: thread, ..NewPost::default() };
            let mut told = self.mattermost.create_post(&post).await;
            if told.is_err() && post.root_id.take().is_some() {
                // The thread went away meanwhile: the channel still hears of it.
                told = self.mattermost.create_post(&post).await;
            }
            if let Err(e) = told {
                tracing::info!(error = %e, "the bot could not tell the channel about a created issue");
            }
        }
        self.make_default(&caller.user_id, acting.instance.id.as_str()).await;
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The most choices one menu gets; with more, the form asks for the project key and the
/// issue type as text (SPEC §10.1).
const MOST_CHOICES: usize = 500;

/// The project-and-type menu, or with more than [`MOST_CHOICES`] choices, two text fields;
/// either starts at the project and type the user last created an issue with.
fn choice_elements(
    options: Vec<ActionOption>,
    saved: &str,
    connection: &crate::store::Connection,
) -> Vec<DialogElement> {
    if options.len() <= MOST_CHOICES {
        let mut project_type = DialogElement::select("project_type", "Project and type", options);
        if project_type.options.iter().any(|o| o.value == saved) {
            project_type.default = saved.to_string();
        }
        return vec![project_type];
    }
    let mut project = DialogElement::text("project", "Project key");
    project.default = connection.saved_project_key.clone().unwrap_or_default();
    let mut issue_type = DialogElement::text("issue_type", "Issue type");
    issue_type.help_text = "Its name, such as Bug or Task.".into();
    vec![project, issue_type]
}

/// On Server/DC a required reporter is the connected user (Cloud fills it in itself); Jira
/// refuses a reporter its create screen does not show, so only when required.
pub(super) fn reporter(screen: &[rest::CreateField], acting: &Acting) -> Option<(String, Value)> {
    let required = screen.iter().any(|f| f.field_id == "reporter" && f.required);
    (required && acting.instance.instance_type == InstanceType::Server)
        .then(|| ("reporter".to_string(), json!({"name": acting.connection.jira.name})))
}

/// Jira's own create form, filled with what the user gave: for what jirabridge cannot ask.
fn manual_link(
    acting: &Acting,
    (project_id, issue_type): (&str, &str),
    (summary, description): (&str, &str),
) -> String {
    // Links are for people: to the site, never to the API gateway an OAuth 2.0 call uses.
    let site = acting.instance.id.as_str().trim_end_matches('/');
    format!(
        "{site}/secure/CreateIssueDetails!init.jspa?pid={}&issuetype={}&summary={}&description={}",
        encode(project_id),
        encode(issue_type),
        encode(summary),
        encode(description)
    )
}
