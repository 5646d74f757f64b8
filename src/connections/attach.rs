//! `/jira attach KEY [--post <link|id>]` (SPEC §10.2): a Mattermost message becomes a comment
//! on a Jira issue, written with the caller's own credentials. The message is the one named
//! by `--post`, else the root of the thread the command was run in; the caller must be a
//! member of its channel; `--thread` adds every reply with its author and time. Not built
//! yet: the issue-picking dialog (no KEY) and files.

use super::issues::REJECTED;
use super::{Acting, Connections};
use crate::commands::jira_ops::Caller;
use crate::ids::{ChannelId, MmUserId};
use crate::jira::client::JiraError;
use crate::mattermost::post::NewPost;

const NO_SOURCE: &str = "Run `/jira attach <issue-key>` in the message's thread, or add `--post <message link>`.";
const NO_ACCESS: &str = "User does not have access to this post";
const NO_PERMISSION: &str = "you do not have permission to create a comment in the selected Jira issue. Please choose another issue or contact your Jira admin";

/// The post id in a permalink (`<site>/<team>/pl/<id>`) or a bare id.
pub(super) fn post_id(reference: &str) -> Option<String> {
    let id = reference.trim().trim_end_matches('/').rsplit('/').next()?.trim();
    crate::ids::is_mattermost_id(id).then(|| id.to_string())
}

impl Connections {
    pub(super) async fn attach(
        &self,
        caller: &Caller,
        acting: &Acting,
        key: Option<String>,
        post: Option<String>,
        thread: bool,
    ) -> String {
        let Some(key) = key else {
            return "Please specify an issue key in the form `/jira attach <issue-key>`.".into();
        };
        let source = match self.source_post(caller, post).await {
            Ok(Some(source)) => source,
            Ok(None) => return NO_SOURCE.into(),
            Err(sentence) => return sentence,
        };
        let author = match MmUserId::parse(&source.user_id) {
            Ok(user) => self.mattermost.user(&user).await.map(|u| u.username).unwrap_or_default(),
            Err(_) => String::new(),
        };
        let permalink = self.permalink(caller, &source.id);
        let mut body = format!(
            "*@{} attached a* [message|{permalink}] *from @{author}*\n{}",
            acting.connection.jira.display_name, source.message
        );
        if thread {
            match self.replies_text(&source).await {
                Ok(replies) => body.push_str(&replies),
                Err(e) => return format!("jirabridge could not read the thread: {e}"),
            }
            body = truncated(body);
        }
        let base = acting.base.as_str();
        match crate::jira::rest::add_comment(&self.jira, base, &key, &body, &acting.auth).await {
            Ok(()) => {}
            Err(JiraError::Forbidden | JiraError::NotFound) => return NO_PERMISSION.into(),
            Err(JiraError::Unauthorized) => return REJECTED.into(),
            Err(e) => return format!("Jira could not add the comment: {}", super::issues::safe(&e.to_string())),
        }
        let link = format!("[{key}]({})", super::issues::browse(acting, &key));
        let done = format!("Message attached to {link} by @{}", caller.user_name);
        self.reply_in_thread(&source, &done).await;
        self.make_default(&caller.user_id, acting.instance.id.as_str()).await;
        done
    }

    /// The message a command names with `--post` (a permalink or an id), else the root of
    /// the thread it was run in; `None` when there is neither. The caller must be a member
    /// of its channel; `Err` is the sentence to answer.
    pub(super) async fn source_post(
        &self,
        caller: &Caller,
        post: Option<String>,
    ) -> Result<Option<crate::mattermost::wire::Post>, String> {
        let reference = post.or_else(|| (!caller.root_id.is_empty()).then(|| caller.root_id.clone()));
        let Some(reference) = reference else { return Ok(None) };
        let Some(id) = post_id(&reference) else { return Err(NO_ACCESS.into()) };
        let source = match self.mattermost.post(&id).await {
            Ok(source) => source,
            Err(e) if e.status() == Some(404) || e.status() == Some(403) => return Err(NO_ACCESS.into()),
            Err(e) => return Err(format!("jirabridge could not read the message: {e}")),
        };
        match self.mattermost.is_channel_member(&source.channel_id, &caller.user_id).await {
            Ok(true) => Ok(Some(source)),
            Ok(false) => Err(NO_ACCESS.into()),
            Err(e) => Err(format!("jirabridge could not check your access to the message: {e}")),
        }
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
                let name = match MmUserId::parse(&reply.user_id) {
                    Ok(user) => self.mattermost.user(&user).await.map(|u| u.username).unwrap_or_default(),
                    Err(_) => String::new(),
                };
                names.insert(reply.user_id.clone(), name);
            }
            let when = crate::utc::when(u64::try_from(reply.create_at).unwrap_or(0));
            text.push_str(&format!("\n\n*@{} ({when}):* {}", names[&reply.user_id], reply.message));
        }
        Ok(text)
    }

    /// The permalink of a message, in the caller's team.
    pub(super) fn permalink(&self, caller: &Caller, post_id: &str) -> String {
        let site = self.settings.current().mattermost.url.trim_end_matches('/').to_string();
        format!("{site}/{}/pl/{post_id}", caller.team_domain)
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

    #[test]
    fn a_post_is_named_by_permalink_or_id() {
        let id = "abcdefghijkmnopqrstuvwxyz1";
        assert_eq!(post_id(&format!("https://chat.example.com/eng/pl/{id}")).as_deref(), Some(id));
        assert_eq!(post_id(id).as_deref(), Some(id));
        assert_eq!(post_id("https://chat.example.com/eng/pl/not-an-id"), None);
        assert_eq!(post_id(""), None);
    }
}
