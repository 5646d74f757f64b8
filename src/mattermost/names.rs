//! Channels by name for people (SPEC §6.9): "Team / Channel" for a channel id, asked of
//! Mattermost (`GET /channels/{id}`, `GET /teams/{id}`) and remembered for ten minutes, so
//! a page listing a hundred subscriptions costs one lookup per channel.

use std::time::Duration;

use super::remembered::Remembered;
use super::MattermostClient;

/// How long a name is reused.
const REMEMBERED_FOR: Duration = Duration::from_secs(600);
/// Channels remembered at most; the cache is emptied when full.
const MOST_CHANNELS: usize = 10_000;

pub struct ChannelNames {
    known: Remembered<String, String>,
}

impl Default for ChannelNames {
    fn default() -> Self {
        ChannelNames { known: Remembered::new(REMEMBERED_FOR, MOST_CHANNELS) }
    }
}

impl ChannelNames {
    /// `Team / Channel` (display names), or `None` when Mattermost cannot say (not
    /// configured, unreachable, or the bot cannot see the channel) and for text that is no
    /// channel id (a legacy `team/channel` is its own name): Mattermost is not asked then.
    /// Failures are not remembered.
    pub async fn display(&self, mattermost: &MattermostClient, channel_id: &str) -> Option<String> {
        let id = crate::ids::ChannelId::parse(channel_id).ok()?;
        if let Some(name) = self.known.get(channel_id) {
            return Some(name);
        }
        let channel = mattermost.channel(&id).await.ok()?;
        let channel_name = if channel.display_name.is_empty() { channel.name.clone() } else { channel.display_name };
        let shown = match mattermost.team(&channel.team_id).await {
            Ok(team) if !team.display_name.is_empty() => format!("{} / {channel_name}", team.display_name),
            Ok(team) => format!("{} / {channel_name}", team.name),
            // Direct and group messages have no team.
            Err(_) => channel_name,
        };
        self.known.keep(channel_id.to_string(), shown.clone());
        Some(shown)
    }
}
