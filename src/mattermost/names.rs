//! Channels by name for people (SPEC §6.9): "Team / Channel" for a channel id, asked of
//! Mattermost (`GET /channels/{id}`, `GET /teams/{id}`) and remembered for ten minutes, so
//! a page listing a hundred subscriptions costs one lookup per channel.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::MattermostClient;

/// How long a name is reused.
const REMEMBERED_FOR: Duration = Duration::from_secs(600);
/// Channels remembered at most; the cache is emptied when full.
const MOST_CHANNELS: usize = 10_000;

#[derive(Default)]
pub struct ChannelNames {
    known: Mutex<HashMap<String, (Instant, String)>>,
}

impl ChannelNames {
    /// `Team / Channel` (display names), or `None` when Mattermost cannot say (not
    /// configured, unreachable, or the bot cannot see the channel). Failures are not
    /// remembered.
    pub async fn display(&self, mattermost: &MattermostClient, channel_id: &str) -> Option<String> {
        if let Some((at, name)) = self.known().get(channel_id) {
            if at.elapsed() < REMEMBERED_FOR {
                return Some(name.clone());
            }
        }
        let channel = mattermost.channel(&crate::ids::ChannelId::unchecked(channel_id)).await.ok()?;
        let channel_name = if channel.display_name.is_empty() { channel.name.clone() } else { channel.display_name };
        let shown = match mattermost.team(&channel.team_id).await {
            Ok(team) if !team.display_name.is_empty() => format!("{} / {channel_name}", team.display_name),
            Ok(team) => format!("{} / {channel_name}", team.name),
            // Direct and group messages have no team.
            Err(_) => channel_name,
        };
        let mut known = self.known();
        if known.len() >= MOST_CHANNELS {
            known.clear();
        }
        known.insert(channel_id.to_string(), (Instant::now(), shown.clone()));
        Some(shown)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, String)>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }
}
