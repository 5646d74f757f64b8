//! Team/channel name → channel id, cached for `channel_cache_secs` (legacy webhooks name
//! their channel on every request).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{MattermostClient, MmError};
use crate::ids::ChannelId;

/// Result of resolving a channel name.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    Found(ChannelId),
    /// Mattermost says there is no such team or channel (or the bot cannot see it).
    NotFound,
    /// Mattermost could not be asked now; resolve later.
    Unknown(String),
}

/// A small time-bounded cache in front of `channel_by_name`.
pub struct ChannelCache {
    /// Milliseconds; changes with `mattermost.channel_cache_secs`.
    ttl_ms: AtomicU64,
    entries: Mutex<HashMap<(String, String), (ChannelId, Instant)>>,
}

const MAX_ENTRIES: usize = 10_000;

impl ChannelCache {
    pub fn new(ttl: Duration) -> ChannelCache {
        ChannelCache { ttl_ms: AtomicU64::new(ttl.as_millis() as u64), entries: Mutex::new(HashMap::new()) }
    }

    /// How long lookups are remembered from now on (entries made earlier included).
    pub fn set_ttl(&self, ttl: Duration) {
        self.ttl_ms.store(ttl.as_millis() as u64, Ordering::Relaxed);
    }

    fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed))
    }

    pub async fn resolve(&self, client: &MattermostClient, team: &str, channel: &str) -> Resolution {
        let key = (team.to_string(), channel.to_string());
        if let Some(id) = self.cached(&key) {
            return Resolution::Found(id);
        }
        match client.channel_by_name(team, channel).await {
            Ok(found) => {
                self.remember(key, found.id.clone());
                Resolution::Found(found.id)
            }
            Err(MmError::Status { status: 404, .. }) => Resolution::NotFound,
            Err(e) => Resolution::Unknown(e.to_string()),
        }
    }

    fn cached(&self, key: &(String, String)) -> Option<ChannelId> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(key).filter(|(_, at)| at.elapsed() < self.ttl()).map(|(id, _)| id.clone())
    }

    fn remember(&self, key: (String, String), id: ChannelId) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl();
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        entries.insert(key, (id, Instant::now()));
    }
}
