//! Usernames by user id, for mentions of connected people (SPEC §5.6: `@username`). Every
//! delivery of a post renders it again, and every event's DMs are decided in turn, so a
//! name is asked of Mattermost once per ten minutes, and a failed lookup (Mattermost slow
//! or down) is not repeated for a minute: the post then shows the display name at once
//! instead of waiting on Mattermost again.

use std::time::Duration;

use super::remembered::Remembered;
use super::MattermostClient;
use crate::ids::MmUserId;

const FOUND_FOR: Duration = Duration::from_secs(600);
const FAILED_FOR: Duration = Duration::from_secs(60);
/// Users remembered at most; the cache is emptied when full.
const MOST_USERS: usize = 10_000;

pub struct Usernames {
    found: Remembered<String, String>,
    failed: Remembered<String, ()>,
}

impl Default for Usernames {
    fn default() -> Self {
        Usernames { found: Remembered::new(FOUND_FOR, MOST_USERS), failed: Remembered::new(FAILED_FOR, MOST_USERS) }
    }
}

impl MattermostClient {
    /// The username of `user`, from memory when asked lately; `None` when Mattermost cannot
    /// say now.
    pub async fn username(&self, user: &MmUserId) -> Option<String> {
        let key = user.as_str();
        if let Some(name) = self.usernames.found.get(key) {
            return Some(name);
        }
        if self.usernames.failed.get(key).is_some() {
            return None;
        }
        match self.user(user).await {
            Ok(found) if !found.username.is_empty() => {
                self.usernames.found.keep(key.to_string(), found.username.clone());
                Some(found.username)
            }
            _ => {
                self.usernames.failed.keep(key.to_string(), ());
                None
            }
        }
    }
}
