//! Who belongs where: a user's membership of a channel or a team, with the roles that
//! decide what they may do there (SPEC §6.3; 404 means "not a member", not an error), and
//! the channels the bot is in (the console's channel picker, §6.9).

use super::client::{segment, MattermostClient, MmError};
use super::slash::Team;
use super::wire::{Channel, Member};

impl MattermostClient {
    /// Whether `user_id` is a member of `channel_id` (`GET /channels/{cid}/members/{uid}`; 404 = no).
    pub async fn is_channel_member(&self, channel_id: &str, user_id: &str) -> Result<bool, MmError> {
        Ok(self.channel_member(channel_id, user_id).await?.is_some())
    }

    /// `user_id`'s membership of `channel_id`, `None` when they are not a member (404).
    pub async fn channel_member(&self, channel_id: &str, user_id: &str) -> Result<Option<Member>, MmError> {
        self.member(&format!("/api/v4/channels/{}/members/{}", segment(channel_id), segment(user_id))).await
    }

    /// `user_id`'s membership of `team_id`, `None` when they are not a member (404).
    pub async fn team_member(&self, team_id: &str, user_id: &str) -> Result<Option<Member>, MmError> {
        self.member(&format!("/api/v4/teams/{}/members/{}", segment(team_id), segment(user_id))).await
    }

    async fn member(&self, path: &str) -> Result<Option<Member>, MmError> {
        match self.get::<Member>(path).await {
            Ok(member) => Ok(Some(member)),
            Err(MmError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl MattermostClient {
    /// The open and private channels the bot is a member of, in each of its teams, by team
    /// and channel display name: what a channel picker offers.
    pub async fn bot_channels(&self) -> Result<Vec<(Team, Channel)>, MmError> {
        let teams: Vec<Team> = self.get("/api/v4/users/me/teams").await?;
        let mut found = Vec::new();
        for team in teams {
            let path = format!("/api/v4/users/me/teams/{}/channels", segment(&team.id));
            let channels: Vec<Channel> = self.get(&path).await?;
            let usable =
                channels.into_iter().filter(|c| matches!(c.channel_type.as_str(), "O" | "P") && c.delete_at == 0);
            found.extend(usable.map(|c| (team.clone(), c)));
        }
        found.sort_by(|(ta, a), (tb, b)| (&ta.display_name, &a.display_name).cmp(&(&tb.display_name, &b.display_name)));
        Ok(found)
    }
}
