//! Whether a Mattermost user is a system administrator (`system_admin` in the user's
//! `roles`, SPEC §9.1), asked of Mattermost and remembered for a minute, so a burst of
//! commands costs one lookup per user.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::MattermostClient;
use crate::ids::MmUserId;

/// How long an answer is reused.
const REMEMBERED_FOR: Duration = Duration::from_secs(60);
/// Users remembered at most; the cache is emptied when full.
const MOST_USERS: usize = 10_000;

#[derive(Default)]
pub struct RoleCache {
    answers: Mutex<HashMap<MmUserId, (Instant, bool)>>,
}

impl RoleCache {
    /// Whether `user_id` is a system administrator. When Mattermost cannot say, the answer
    /// is no (and is not remembered): a refusal is safer than an admin command run by anyone.
    pub async fn is_system_admin(&self, mattermost: &MattermostClient, user_id: &MmUserId) -> bool {
        if let Some((at, admin)) = self.answers().get(user_id) {
            if at.elapsed() < REMEMBERED_FOR {
                return *admin;
            }
        }
        match mattermost.user(user_id).await {
            Ok(user) => {
                let admin = user.is_system_admin();
                let mut answers = self.answers();
                if answers.len() >= MOST_USERS {
                    answers.clear();
                }
                answers.insert(user_id.clone(), (Instant::now(), admin));
                admin
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read a user's roles from Mattermost; treated as not a system admin");
                false
            }
        }
    }

    fn answers(&self) -> std::sync::MutexGuard<'_, HashMap<MmUserId, (Instant, bool)>> {
        self.answers.lock().unwrap_or_else(|p| p.into_inner())
    }
}
