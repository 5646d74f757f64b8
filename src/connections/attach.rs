//! `/jira attach KEY [--post <link|id>]` (SPEC §10.2): a Mattermost message becomes a comment
//! on a Jira issue, written with the caller's own credentials. The message is the one named
//! by `--post`, else the root of the thread the command was run in; the caller must be a
//! member of its channel. Not built yet: the issue-picking dialog (no KEY), `--thread`
//! and files.

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
        if thread {
            return "Attaching a whole thread (`--thread`) is not available in this version of jirabridge yet; attach its messages one by one.".into();
        }
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
        let body = format!(
            "*@{} attached a* [message|{permalink}] *from @{author}*\n{}",
            acting.connection.jira.display_name, source.message
        );
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
        self.make_default(&caller.user_id, base).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_is_named_by_permalink_or_id() {
        let id = "abcdefghijkmnopqrstuvwxyz1";
        assert_eq!(post_id(&format!("https://chat.example.com/eng/pl/{id}")).as_deref(), Some(id));
        assert_eq!(post_id(id).as_deref(), Some(id));
        assert_eq!(post_id("https://chat.example.com/eng/pl/not-an-id"), None);
        assert_eq!(post_id(""), None);
    }
}
