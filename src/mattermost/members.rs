//! Who belongs where: a user's membership of a channel or a team, with the roles that
//! decide what they may do there (SPEC §6.3). 404 means "not a member", not an error.

use super::client::{segment, MattermostClient, MmError};
use super::wire::Member;

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
