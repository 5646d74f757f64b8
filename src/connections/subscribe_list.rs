//! `/jira subscribe list` (SPEC §6.8): every channel's subscriptions, for system admins, by
//! team (direct and group messages apart), channel, instance and name, with the plugin's
//! texts. The instance named by `--instance` narrows it to that one.

use std::collections::BTreeMap;

use super::Connections;
use crate::commands::jira_ops::Caller;
use crate::ids::ChannelId;
use crate::store::records::SubscriptionRecordV1;
use crate::store::records::SubscriptionState;

const NONE: &str = "There are currently no channels subcriptions to Jira notifications. To add a subscription, navigate to a channel and type `/jira subscribe edit`\n";
const HEADER: &str = "The following channels have subscribed to Jira notifications. To modify a subscription, navigate to the channel and type `/jira subscribe edit`";
const DIRECT: &str = "Group and Direct Messages";

/// A channel's subscriptions by instance, and whether it is in the caller's team.
type ChannelRules = (bool, BTreeMap<String, Vec<SubscriptionRecordV1>>);
/// A team's channels by name.
type Channels = BTreeMap<String, ChannelRules>;

/// Where a channel is, as the list shows it: the team's display name, the channel's name,
/// and whether it is in the caller's team.
struct Place {
    team: String,
    channel: String,
    current_team: bool,
}

impl Connections {
    pub(super) async fn subscribe_list(&self, caller: &Caller, instance: Option<&str>, extra_args: bool) -> String {
        if extra_args {
            return "No arguments were expected.".into();
        }
        let store = self.store.clone();
        let all = match self.store.run(move |_| store.subscriptions()).await {
            Ok(all) => all,
            Err(e) => return format!("jirabridge could not read the subscriptions: {e}"),
        };
        let wanted: Vec<SubscriptionRecordV1> =
            all.into_iter().filter(|s| instance.is_none_or(|i| s.instance_id.as_str() == i)).collect();
        if wanted.is_empty() {
            return NONE.into();
        }
        let mut tree: BTreeMap<String, Channels> = BTreeMap::new();
        let mut places: BTreeMap<String, Place> = BTreeMap::new();
        for sub in wanted {
            let channel_id = sub.channel_id.to_string();
            if !places.contains_key(&channel_id) {
                places.insert(channel_id.clone(), self.place(caller, &sub.channel_id).await);
            }
            let place = &places[&channel_id];
            let channel = tree.entry(place.team.clone()).or_default().entry(place.channel.clone()).or_default();
            channel.0 = place.current_team;
            channel.1.entry(sub.instance_id.to_string()).or_default().push(sub);
        }
        let mut text = String::from(HEADER);
        // Teams by name, direct and group messages last.
        let (direct, teams): (Vec<_>, Vec<_>) = tree.into_iter().partition(|(team, _)| team == DIRECT);
        for (team, channels) in teams.into_iter().chain(direct) {
            text.push_str(&format!("\n#### {}", super::issues::safe(&team)));
            for (channel, (current_team, instances)) in channels {
                let count: usize = instances.values().map(Vec::len).sum();
                let mark = if current_team { "~" } else { "" };
                text.push_str(&format!("\n* **{mark}{}** ({count}):", super::issues::safe(&channel)));
                for (instance, mut subs) in instances {
                    text.push_str(&format!("\n\t* ({}) {instance}", subs.len()));
                    subs.sort_by(|a, b| a.name.cmp(&b.name));
                    for sub in subs {
                        let name =
                            if sub.name.is_empty() { "(No Name)".to_string() } else { super::issues::safe(&sub.name) };
                        let broken = if sub.state == SubscriptionState::Broken { " (broken)" } else { "" };
                        text.push_str(&format!("\n\t\t* {} - {name}{broken}", sub.projects.join(", ")));
                    }
                }
            }
        }
        text
    }

    /// The team and name of a channel, as Mattermost tells them; the id when it cannot.
    async fn place(&self, caller: &Caller, channel_id: &ChannelId) -> Place {
        let Ok(channel) = self.mattermost.channel(channel_id).await else {
            return Place { team: "Unknown team".into(), channel: channel_id.to_string(), current_team: false };
        };
        if matches!(channel.channel_type.as_str(), "D" | "G") {
            let name = if channel.display_name.is_empty() { channel.name } else { channel.display_name };
            return Place { team: DIRECT.into(), channel: name, current_team: false };
        }
        let team = match self.mattermost.team(&channel.team_id).await {
            Ok(team) if !team.display_name.is_empty() => team.display_name,
            Ok(team) => team.name,
            Err(_) => channel.team_id.clone(),
        };
        Place { team, channel: channel.name, current_team: channel.team_id == caller.team_id }
    }
}
