//! Channels in the rule editor (SPEC §6.9): picked from the channels the bot is in (a
//! `<datalist>`, so typing still works without JavaScript), or typed as `team/channel`, the
//! channel's link, a message's permalink or an id; a stored id is shown as `team/channel`.

use crate::ids::ChannelId;
use crate::mattermost::channel_ref::{self, ChannelRef};
use crate::web::AppState;

/// One channel the picker offers: what the field receives, and what a person reads.
pub struct ChannelChoice {
    pub value: String,
    pub label: String,
}

/// The channels the bot is in; none when Mattermost cannot be asked (the field still takes
/// any accepted form).
pub async fn choices(state: &AppState) -> Vec<ChannelChoice> {
    match state.mattermost.bot_channels().await {
        Ok(channels) => channels
            .into_iter()
            .map(|(team, channel)| ChannelChoice {
                value: format!("{}/{}", team.name, channel.name),
                label: format!(
                    "{} / {}",
                    display(&team.display_name, &team.name),
                    display(&channel.display_name, &channel.name)
                ),
            })
            .collect(),
        Err(e) => {
            tracing::info!(error = %e, "could not list the bot's channels for the channel picker");
            Vec::new()
        }
    }
}

fn display<'a>(display_name: &'a str, name: &'a str) -> &'a str {
    if display_name.is_empty() {
        name
    } else {
        display_name
    }
}

/// `team/channel` for a stored channel id, when Mattermost says; else the id.
pub async fn shown(state: &AppState, channel: &str) -> String {
    let Ok(id) = ChannelId::parse(channel) else { return channel.to_string() };
    let Ok(found) = state.mattermost.channel(&id).await else { return channel.to_string() };
    match state.mattermost.team(&found.team_id).await {
        Ok(team) if !found.name.is_empty() => format!("{}/{}", team.name, found.name),
        _ => channel.to_string(),
    }
}

/// The id of the channel `input` names.
pub async fn resolve(state: &AppState, input: &str) -> Result<ChannelId, String> {
    let unknown = |e: &crate::mattermost::MmError| e.status() == Some(404) || e.status() == Some(403);
    match channel_ref::parse(input) {
        Some(ChannelRef::Id(id)) => Ok(id),
        Some(ChannelRef::Names { team, channel }) => match state.mattermost.channel_by_name(&team, &channel).await {
            Ok(found) => Ok(found.id),
            Err(e) if unknown(&e) => {
                Err(format!("Mattermost has no channel {channel} in team {team} that the bot can see"))
            }
            Err(e) => Err(format!("could not look up the channel: {e}")),
        },
        Some(ChannelRef::Post(post_id)) => match state.mattermost.post(&post_id).await {
            Ok(post) => ChannelId::parse(&post.channel_id)
                .map_err(|_| "Mattermost named no channel for that message".to_string()),
            Err(e) if unknown(&e) => Err("Mattermost has no such message that the bot can see".into()),
            Err(e) => Err(format!("could not look up the message: {e}")),
        },
        None => Err("Name the channel as team/channel, its link, a link to a message in it, or its id".into()),
    }
}
