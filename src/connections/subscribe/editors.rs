//! Who may edit a channel's subscriptions from chat (SPEC §6.2 points 2–3, §6.3), checked in
//! the plugin's order with its reasons: the channel's kind, membership, the role
//! `security.subscription_editors` asks for, a connection to the instance, then the Jira
//! groups of `security.subscription_editor_jira_groups` (for every instance, not only a
//! v2-legacy one as the plugin did).

use super::super::{Acting, Connections};
use crate::commands::jira_ops::Caller;
use crate::config::SubscriptionEditors;
use crate::ids::{ChannelId, InstanceType, MmUserId};
use crate::jira::rest;
use crate::mattermost::MmError;

const NOT_ALLOWED: &str = "you don't have permission to manage subscriptions";
const NOT_IN_DIRECT: &str = "subscriptions are not allowed in direct message or group message channels";

/// Mattermost's names for direct (`<user id>__<user id>`) and group (40 hex digits)
/// message channels: what the command says of a channel the bot may not read.
fn is_direct_or_group_name(name: &str) -> bool {
    let is_id = |part: &str| part.len() == 26 && part.bytes().all(|b| b.is_ascii_alphanumeric());
    let direct = name.split_once("__").is_some_and(|(a, b)| is_id(a) && is_id(b));
    let group = name.len() == 40 && name.bytes().all(|b| b.is_ascii_hexdigit());
    direct || group
}

/// A refusal with the plugin's prefix.
fn refused(reason: &str) -> String {
    format!("{NOT_ALLOWED}: {reason}")
}

impl Connections {
    /// The caller's connection to `instance` when they may edit the channel's subscriptions;
    /// else the sentence that says why not.
    pub(super) async fn subscription_editor(&self, caller: &Caller, instance: Option<&str>) -> Result<Acting, String> {
        self.may_edit_channel(caller).await?;
        let acting = self.acting(&caller.user_id, instance).await.map_err(|_| refused("could not load jira user"))?;
        self.in_allowed_groups(&acting).await?;
        Ok(acting)
    }

    /// Points 2 and 3 of §6.2 and the role of §6.3, all asked of Mattermost.
    async fn may_edit_channel(&self, caller: &Caller) -> Result<(), String> {
        let unknown = || "unknown channel".to_string();
        let channel_id = ChannelId::parse(&caller.channel_id).map_err(|_| unknown())?;
        let channel = match self.mattermost.channel(&channel_id).await {
            Ok(channel) if channel.delete_at == 0 => channel,
            // The bot reads only the private, direct and group channels it is in.
            Err(MmError::Status { status: 403, .. }) if is_direct_or_group_name(&caller.channel_name) => {
                return Err(NOT_IN_DIRECT.into())
            }
            Err(MmError::Status { status: 403, .. }) => return Err(self.bot_not_in_channel().await),
            Ok(_) | Err(MmError::Status { status: 404, .. }) => return Err(unknown()),
            Err(e) => return Err(mattermost_trouble(e)),
        };
        if channel.channel_type == "D" || channel.channel_type == "G" {
            return Err(NOT_IN_DIRECT.into());
        }
        let member = self.mattermost.channel_member(&caller.channel_id, &caller.user_id).await;
        let member = member.map_err(mattermost_trouble)?.ok_or("not a member of the channel specified")?;
        let required = self.settings.current().security.subscription_editors;
        let system_admin = || async {
            let user = MmUserId::parse(&caller.user_id).map_err(|_| unknown())?;
            Ok::<bool, String>(self.mattermost.user(&user).await.map_err(mattermost_trouble)?.is_system_admin())
        };
        let team_admin = || async {
            let team = self.mattermost.team_member(&channel.team_id, &caller.user_id).await;
            Ok::<bool, String>(team.map_err(mattermost_trouble)?.is_some_and(|m| m.is_admin("team_admin")))
        };
        let allowed = match required {
            SubscriptionEditors::Users => true,
            SubscriptionEditors::ChannelAdmin => {
                member.is_admin("channel_admin") || team_admin().await? || system_admin().await?
            }
            SubscriptionEditors::TeamAdmin => team_admin().await? || system_admin().await?,
            SubscriptionEditors::SystemAdmin => system_admin().await?,
        };
        if allowed {
            return Ok(());
        }
        Err(refused(match required {
            SubscriptionEditors::ChannelAdmin => "is not channel admin",
            SubscriptionEditors::TeamAdmin => "is not team admin",
            _ => "is not system admin",
        }))
    }

    /// A private channel the bot was not added to: it could neither check who may edit
    /// here nor post the notifications.
    async fn bot_not_in_channel(&self) -> String {
        let name = self.mattermost.me().await.map(|bot| bot.username).unwrap_or_else(|_| "jirabridge".into());
        format!(
            "@{name} is not a member of this channel, so it cannot post the subscription's notifications here. Add it with `/invite @{name}` and try again."
        )
    }

    /// The caller's Jira groups against the allowed ones (names trimmed), when any are set.
    async fn in_allowed_groups(&self, acting: &Acting) -> Result<(), String> {
        let allowed: Vec<String> = self
            .settings
            .current()
            .security
            .subscription_editor_jira_groups
            .iter()
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty())
            .collect();
        if allowed.is_empty() {
            return Ok(());
        }
        let cloud = acting.instance.instance_type == InstanceType::Cloud;
        let account = cloud.then_some(acting.connection.jira.account_id.as_str());
        let groups = rest::my_groups(&self.jira, &acting.base, account, &acting.auth).await.map_err(|e| {
            tracing::info!(error = %e, "could not read a user's Jira groups");
            refused("could not get jira user groups")
        })?;
        if groups.iter().any(|g| allowed.iter().any(|a| a == g.trim())) {
            Ok(())
        } else {
            Err(refused("not in allowed jira user groups"))
        }
    }
}

fn mattermost_trouble(e: MmError) -> String {
    tracing::warn!(error = %e, "could not ask Mattermost who may edit subscriptions");
    "jirabridge could not ask Mattermost about this channel just now; please try again in a moment.".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_and_group_channels_are_known_by_their_names() {
        let (a, b) = ("a".repeat(26), "b1".repeat(13));
        assert!(is_direct_or_group_name(&format!("{a}__{b}")));
        assert!(is_direct_or_group_name(&"0123456789abcdef".repeat(3)[..40]));
        assert!(!is_direct_or_group_name("town-square"));
        assert!(!is_direct_or_group_name("ops__night"));
        assert!(!is_direct_or_group_name(""));
    }
}
