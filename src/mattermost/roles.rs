//! Whether a Mattermost user is a system administrator (`system_admin` in the user's
//! `roles`, SPEC §9.1), asked of Mattermost and remembered for a minute, so a burst of
//! commands costs one lookup per user.

use std::time::Duration;

use super::remembered::Remembered;
use super::{MattermostClient, MmError};
use crate::ids::MmUserId;

/// How long an answer is reused.
const REMEMBERED_FOR: Duration = Duration::from_secs(60);
/// Users remembered at most; the cache is emptied when full.
const MOST_USERS: usize = 10_000;

pub struct RoleCache {
    answers: Remembered<MmUserId, bool>,
}

impl Default for RoleCache {
    fn default() -> Self {
        RoleCache { answers: Remembered::new(REMEMBERED_FOR, MOST_USERS) }
    }
}

impl RoleCache {
    /// Whether `user_id` is a system administrator; `Err` with Mattermost's answer when it
    /// cannot say (not remembered). Callers treat that as no: a refusal is safer than an
    /// admin command run by anyone, but the refusal can say why.
    pub async fn is_system_admin(&self, mattermost: &MattermostClient, user_id: &MmUserId) -> Result<bool, MmError> {
        if let Some(admin) = self.answers.get(user_id) {
            return Ok(admin);
        }
        match mattermost.user(user_id).await {
            Ok(user) => {
                let admin = user.is_system_admin();
                self.answers.keep(user_id.clone(), admin);
                Ok(admin)
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read a user's roles from Mattermost; treated as not a system admin");
                Err(e)
            }
        }
    }
}
