//! The Mattermost message a command acts on (SPEC §10.1, §10.2): the one `--post` names
//! (a permalink or an id), else the root of the thread the command was run in. The bot reads
//! it, so Mattermost shows it only where the bot is a member; the caller must be a member of
//! its channel.

use super::Connections;
use crate::commands::jira_ops::Caller;

pub(super) const NO_ACCESS: &str = "User does not have access to this post";

/// The post id in a permalink (`<site>/<team>/pl/<id>`) or a bare id.
pub(super) fn post_id(reference: &str) -> Option<String> {
    let id = reference.trim().trim_end_matches('/').rsplit('/').next()?.trim();
    crate::ids::is_mattermost_id(id).then(|| id.to_string())
}

/// Why a command's message cannot be used: the sentence to answer, and whether only the
/// bot is kept from it (the caller may well see it).
pub(super) struct SourceRefused {
    pub(super) sentence: String,
    pub(super) hidden_from_bot: bool,
}

impl Connections {
    /// The message a command names with `--post` (a permalink or an id), else the root of
    /// the thread it was run in; `None` when there is neither. The caller must be a member
    /// of its channel; `Err` is the sentence to answer.
    pub(super) async fn source_post(
        &self,
        caller: &Caller,
        post: Option<String>,
    ) -> Result<Option<crate::mattermost::wire::Post>, String> {
        self.read_source(caller, post).await.map_err(|refused| refused.sentence)
    }

    /// [`Self::source_post`], saying whether Mattermost would not show the bot the message
    /// (403, or 404 as it answers for a message in a channel hidden from the bot).
    pub(super) async fn read_source(
        &self,
        caller: &Caller,
        post: Option<String>,
    ) -> Result<Option<crate::mattermost::wire::Post>, SourceRefused> {
        let other = |sentence: String| SourceRefused { sentence, hidden_from_bot: false };
        let reference = post.or_else(|| (!caller.root_id.is_empty()).then(|| caller.root_id.clone()));
        let Some(reference) = reference else { return Ok(None) };
        let Some(id) = post_id(&reference) else { return Err(other(NO_ACCESS.into())) };
        let source = match self.mattermost.post(&id).await {
            Ok(source) => source,
            Err(e) if e.status() == Some(404) => {
                return Err(SourceRefused { sentence: NO_ACCESS.into(), hidden_from_bot: true })
            }
            // The bot reads the message, so a refusal is the bot's, not the caller's.
            Err(e) if e.status() == Some(403) => {
                return Err(SourceRefused { sentence: self.bot_cannot_read().await, hidden_from_bot: true })
            }
            Err(e) => return Err(other(format!("jirabridge could not read the message: {e}"))),
        };
        match self.mattermost.is_channel_member(&source.channel_id, &caller.user_id).await {
            Ok(true) => Ok(Some(source)),
            Ok(false) => Err(other(NO_ACCESS.into())),
            Err(e) => Err(other(format!("jirabridge could not check your access to the message: {e}"))),
        }
    }

    /// What to do when Mattermost will not show the bot a message: the bot reads only the
    /// channels it is a member of (direct and group messages among people never include it).
    async fn bot_cannot_read(&self) -> String {
        let name = self.mattermost.me().await.map(|bot| bot.username).unwrap_or_else(|_| "jirabridge".into());
        format!(
            "@{name} cannot read this message: it is not a member of the message's channel. Add it with `/invite @{name}` and try again. Messages in direct or group messages cannot be used unless the bot is a system admin."
        )
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
