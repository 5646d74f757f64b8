//! `/jira attach KEY [--post <link|id>]` (SPEC §10.2): a Mattermost message becomes a comment
//! on a Jira issue, written with the caller's own credentials. The message is the one named
//! by `--post`, else the root of the thread the command was run in; the caller must be a
//! member of its channel; `--thread` adds every reply with its author and time. Without a
//! key a form asks for it, and for the Jira group that may see the comment. The message's
//! files are uploaded to the issue and the comment points at them (`files`). On Mattermost
//! 11.0 and later the key is picked from a search as the user types (a dynamic select whose
//! lookups come back signed with the form's state).

use serde_json::{json, Map, Value};

use super::issues::REJECTED;
use super::{Acting, Connections};
use crate::commands::jira_ops::{Caller, Outcome};
use crate::commands::signed::SignedState;
use crate::ids::{ChannelId, InstanceType};
use crate::jira::client::JiraError;
use crate::jira::{rest, search};
use crate::mattermost::action::ActionOption;
use crate::mattermost::dialog::{is_lookup_url, DialogElement};
use crate::mattermost::post::NewPost;

/// The attach form's op.
pub(super) const ATTACH: &str = "attach";

/// Issues a search offers at most.
const LOOKUP_RESULTS: usize = 50;

const NO_SOURCE: &str = "Run `/jira attach <issue-key>` in the message's thread, or add `--post <message link>`.";
const NO_PERMISSION: &str = "you do not have permission to create a comment in the selected Jira issue. Please choose another issue or contact your Jira admin";

/// Why a message was not attached: something about the chosen issue (the form shows it
/// under the issue), or anything else.
enum AttachFailed {
    Issue(String),
    Other(String),
}

impl AttachFailed {
    fn text(self) -> String {
        match self {
            AttachFailed::Issue(text) | AttachFailed::Other(text) => text,
        }
    }
}

impl Connections {
    /// `/jira attach [KEY] [--thread] [--post …]`: with a key the message is attached at once,
    /// else a form asks for the key and who may see the comment.
    pub(super) async fn attach(
        &self,
        caller: &Caller,
        acting: &Acting,
        key: Option<String>,
        post: Option<String>,
        thread: bool,
    ) -> String {
        let source = match self.source_post(caller, post).await {
            Ok(Some(source)) => source,
            Ok(None) => return NO_SOURCE.into(),
            Err(sentence) => return sentence,
        };
        match key {
            Some(key) => {
                self.attach_to(caller, acting, (&key, None), &source, thread).await.unwrap_or_else(|e| e.text())
            }
            None => self.attach_form(caller, acting, &source, thread).await,
        }
    }

    /// The form of an attach without a key: `issue`, and `visibility` (the caller's Jira
    /// groups, when Jira tells them).
    async fn attach_form(
        &self,
        caller: &Caller,
        acting: &Acting,
        source: &crate::mattermost::wire::Post,
        thread: bool,
    ) -> String {
        let mut elements = vec![self.issue_element().await];
        let cloud = acting.instance.instance_type == InstanceType::Cloud;
        let account = cloud.then_some(acting.connection.jira.account_id.as_str());
        match rest::my_groups(&self.jira, &acting.base, account, &acting.auth).await {
            Ok(groups) if !groups.is_empty() => {
                let options =
                    groups.into_iter().take(100).map(|g| ActionOption { text: g.clone(), value: g }).collect();
                let mut visibility = DialogElement::select("visibility", "Visible to", options);
                visibility.optional = true;
                visibility.help_text = "Leave empty for everyone who can see the issue.".into();
                elements.push(visibility);
            }
            Ok(_) => {}
            Err(e) => tracing::info!(error = %e, "the caller's Jira groups could not be read; no visibility choice"),
        }
        let data = Map::from_iter([("post".to_string(), json!(source.id)), ("thread".to_string(), json!(thread))]);
        let bound = (Some(acting.instance.id.to_string()), data);
        self.open_form(caller, ("Attach message to Jira", "Attach"), elements, ATTACH, bound).await.text
    }

    /// The form's issue: a search on Mattermost 11.0 and later, when the lookup URL is one
    /// the web app calls; else a typed key.
    async fn issue_element(&self) -> DialogElement {
        let lookup_url = format!("{}/mattermost/lookup", self.settings.current().public_base_url());
        let new_enough = match self.mattermost.server_version().await {
            Ok(version) => version.is_some_and(|(major, _, _)| major >= 11),
            Err(e) => {
                tracing::info!(error = %e, "could not read Mattermost's version; the attach form asks for a typed key");
                false
            }
        };
        if new_enough && is_lookup_url(&lookup_url) {
            let mut issue = DialogElement::dynamic("issue", "Issue", &lookup_url);
            issue.placeholder = "Type a key or words of the summary".into();
            return issue;
        }
        let mut issue = DialogElement::text("issue", "Issue key");
        issue.placeholder = "DEMO-12".into();
        issue.max_length = Some(255);
        issue
    }

    /// What the issue search offers for `typed` (SPEC §10.2): the issue of that key first,
    /// then the text search, 50 at most; nothing when Jira cannot be asked.
    pub(super) async fn issue_lookup(&self, caller: &Caller, state: &SignedState, typed: &str) -> Outcome {
        let Ok(acting) = self.acting(&caller.user_id, state.iid.as_deref()).await else {
            return Outcome::Items(Vec::new());
        };
        let mut items: Vec<(String, String)> = Vec::new();
        let item =
            |key: &str, summary: &str| (format!("{key}: {}", super::issues::shorten(summary, 80)), key.to_string());
        if search::looks_like_key(typed) {
            let key = typed.trim().to_ascii_uppercase();
            if let Ok(issue) = rest::issue(&self.jira, &acting.base, &key, &acting.auth).await {
                items.push(item(&issue.key, &issue.summary));
            }
        }
        let cloud = acting.instance.instance_type == InstanceType::Cloud;
        let jql = search::picker_jql(typed);
        match search::issues(&self.jira, &acting.base, cloud, (&jql, LOOKUP_RESULTS), &acting.auth).await {
            Ok(found) => {
                for issue in found {
                    if !items.iter().any(|(_, key)| *key == issue.key) && items.len() < LOOKUP_RESULTS {
                        items.push(item(&issue.key, &issue.fields.summary));
                    }
                }
            }
            Err(e) => tracing::info!(error = %e, "an issue search for the attach form failed"),
        }
        Outcome::Items(items)
    }

    /// The attach form's submission.
    pub(super) async fn attach_submitted(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let typed = super::form_text(values, "issue");
        let key = match crate::ids::JiraIssueKey::parse(&typed) {
            Ok(key) => key.into_string(),
            Err(_) => {
                let error = "Enter an issue key, such as DEMO-12.".to_string();
                return Outcome::Invalid([("issue".to_string(), error)].into());
            }
        };
        let group = Some(super::form_text(values, "visibility")).filter(|g| !g.is_empty());
        let post = state.data.get("post").and_then(Value::as_str).map(str::to_string);
        let thread = state.data.get("thread").and_then(Value::as_bool).unwrap_or(false);
        let acting = match self.acting(&caller.user_id, state.iid.as_deref()).await {
            Ok(acting) => acting,
            Err(why) => return Outcome::Failed(why),
        };
        let source = match self.source_post(caller, post).await {
            Ok(Some(source)) => source,
            Ok(None) => return Outcome::Failed(NO_SOURCE.into()),
            Err(sentence) => return Outcome::Failed(sentence),
        };
        // A refusal keeps the form open, with the key still typed: another issue may do.
        match self.attach_to(caller, &acting, (&key, group.as_deref()), &source, thread).await {
            Ok(said) => {
                self.reply_later(caller, state.rurl.as_deref(), &said, "how an attach went").await;
                Outcome::Done(said)
            }
            Err(AttachFailed::Issue(why)) => Outcome::Invalid([("issue".to_string(), why)].into()),
            Err(AttachFailed::Other(why)) => Outcome::Failed(why),
        }
    }

    /// `source` (and with `thread` its replies) as a comment on `key`, visible to `group`
    /// when given; the bot says so in the message's thread. `Ok` is the sentence saying so.
    async fn attach_to(
        &self,
        caller: &Caller,
        acting: &Acting,
        (key, group): (&str, Option<&str>),
        source: &crate::mattermost::wire::Post,
        thread: bool,
    ) -> Result<String, AttachFailed> {
        let author = self.username(&source.user_id).await;
        let permalink = self.permalink(caller, source).await;
        let mut body = format!(
            "*@{} attached a* [message|{permalink}] *from @{author}*\n{}",
            acting.connection.jira.display_name, source.message
        );
        if thread {
            match self.replies_text(source).await {
                Ok(replies) => body.push_str(&replies),
                Err(e) => return Err(AttachFailed::Other(format!("jirabridge could not read the thread: {e}"))),
            }
            body = truncated(body);
        }
        let comment_id = match rest::add_comment(&self.jira, &acting.base, (key, &body), group, &acting.auth).await {
            Ok(id) => id,
            Err(JiraError::Forbidden | JiraError::NotFound) => return Err(AttachFailed::Issue(NO_PERMISSION.into())),
            Err(JiraError::Unauthorized) => return Err(AttachFailed::Other(REJECTED.into())),
            Err(JiraError::BadRequest(why)) => {
                let why = format!("Jira could not add the comment: {}", super::issues::safe(&why));
                return Err(AttachFailed::Issue(why));
            }
            Err(e) => {
                let why = format!("Jira could not add the comment: {}", super::issues::safe(&e.to_string()));
                return Err(AttachFailed::Other(why));
            }
        };
        // The files go to the issue, then the comment points at them.
        let carried = self.carry_files(&caller.user_id, acting, key, source).await;
        let pointers: Vec<String> = carried.iter().filter_map(|c| c.markup()).collect();
        if !pointers.is_empty() && !comment_id.is_empty() {
            let edited: String = pointers.iter().fold(body, |body, p| format!("{body}\n\nAttachment: {p}"));
            if let Err(e) =
                rest::edit_comment(&self.jira, &acting.base, (key, &comment_id), &edited, &acting.auth).await
            {
                tracing::warn!(issue = %key, error = %e, "the comment could not point at its files");
            }
        }
        let link = format!("[{key}]({})", super::issues::browse(acting, key));
        let name = self.caller_username(caller).await;
        let done = format!("Message attached to {link} by @{name}");
        self.reply_in_thread(source, &done).await;
        self.make_default(&caller.user_id, acting.instance.id.as_str()).await;
        Ok(done)
    }

    /// The replies of `source`'s thread (not the root, nor the bot's), each as `*@<author> (<UTC time>):*
    /// <message>` on its own lines.
    async fn replies_text(&self, source: &crate::mattermost::wire::Post) -> Result<String, crate::mattermost::MmError> {
        let root = if source.root_id.is_empty() { &source.id } else { &source.root_id };
        let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let mut text = String::new();
        // jirabridge's own replies ("Message attached to …") say nothing about the issue.
        let bot = self.mattermost.me().await?.id;
        let replies = self.mattermost.thread(root).await?.into_iter();
        for reply in replies.filter(|p| p.id != source.id && !p.root_id.is_empty() && p.user_id != bot.as_str()) {
            if !names.contains_key(&reply.user_id) {
                names.insert(reply.user_id.clone(), self.username(&reply.user_id).await);
            }
            let when = crate::utc::when(u64::try_from(reply.create_at).unwrap_or(0));
            text.push_str(&format!("\n\n*@{} ({when}):* {}", names[&reply.user_id], reply.message));
        }
        Ok(text)
    }

    /// The permalink of a message, in the caller's team. A dialog's submission names the
    /// team only by id, so its name is asked for then: the message's channel's team, else
    /// the caller's (a direct message has none); without a name the link would point at
    /// `<site>//pl/…`, which Mattermost does not open.
    pub(super) async fn permalink(&self, caller: &Caller, source: &crate::mattermost::wire::Post) -> String {
        let site = self.settings.current().mattermost.url.trim_end_matches('/').to_string();
        let team = match caller.team_domain.as_str() {
            "" => self.team_name_of(caller, &source.channel_id).await,
            named => named.to_string(),
        };
        format!("{site}/{team}/pl/{}", source.id)
    }

    async fn team_name_of(&self, caller: &Caller, channel_id: &str) -> String {
        let channel_team = match ChannelId::parse(channel_id) {
            Ok(id) => self.mattermost.channel(&id).await.map(|c| c.team_id).unwrap_or_default(),
            Err(_) => String::new(),
        };
        let team_id = if channel_team.is_empty() { caller.team_id.as_str() } else { channel_team.as_str() };
        if team_id.is_empty() {
            return String::new();
        }
        match self.mattermost.team(team_id).await {
            Ok(team) => team.name,
            Err(e) => {
                tracing::info!(error = %e, "the team of an attached message could not be read; its link has none");
                String::new()
            }
        }
    }

    /// The bot's reply under the attached message; skipped (and logged) if it cannot post.
    async fn reply_in_thread(&self, source: &crate::mattermost::wire::Post, text: &str) {
        let Ok(channel_id) = ChannelId::parse(&source.channel_id) else { return };
        let root = if source.root_id.is_empty() { source.id.clone() } else { source.root_id.clone() };
        let post = NewPost { channel_id, message: text.to_string(), root_id: Some(root), ..NewPost::default() };
        if let Err(e) = self.mattermost.create_post(&post).await {
            tracing::warn!(error = %e, "could not reply in the thread of an attached message");
        }
    }

    /// The instance just used becomes the user's default (SPEC §10.1, §10.2).
    pub(super) async fn make_default(&self, user: &str, instance: &str) {
        let (store, user, instance) = (self.store.clone(), user.to_string(), instance.to_string());
        if let Err(e) = self.store.run(move |_| store.set_default_instance(&user, &instance)).await {
            tracing::warn!(error = %e, "could not update the default instance");
        }
    }
}

/// The longest comment a thread makes (Jira refuses longer text).
const LONGEST_COMMENT: usize = 32_000;

/// `body` cut at [`LONGEST_COMMENT`] characters, with a note saying so.
fn truncated(body: String) -> String {
    if body.chars().count() <= LONGEST_COMMENT {
        return body;
    }
    let note = "\n\n_(The thread was cut here: a Jira comment holds at most 32 000 characters.)_";
    let kept: String = body.chars().take(LONGEST_COMMENT - note.chars().count()).collect();
    kept + note
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_thread_is_cut_with_a_note() {
        assert_eq!(truncated("short".into()), "short");
        let cut = truncated("x".repeat(40_000));
        assert_eq!(cut.chars().count(), LONGEST_COMMENT);
        assert!(cut.ends_with("at most 32 000 characters.)_"));
    }
}
