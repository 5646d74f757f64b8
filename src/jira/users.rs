//! Display names of Jira users, for mentions a webhook's own user objects do not cover
//! (`[~accountid:…]` of someone who is neither actor, assignee, reporter nor author).
//!
//! Asked of Jira with the admin credentials (`jira.admin_api_token`, with `jira.admin_email`
//! on Cloud) — never in push-only mode, and only of instances the admin added, never of a
//! URL a payload names. Answers are cached, so a busy issue costs one lookup per person.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};
use crate::ids::InstanceId;

/// How long a found name (or a "no such user") is reused.
const FOUND_FOR: Duration = Duration::from_secs(3600);
/// How long a failed lookup (network, 401, 429) waits before Jira is asked again.
const FAILED_FOR: Duration = Duration::from_secs(60);
/// Lookups for one post at most, so a comment mentioning fifty people stays quick.
const MOST_PER_POST: usize = 10;
/// Cache entries at most; the oldest half goes when it is full.
const CACHE_MAX: usize = 10_000;

type Key = (String, String);

/// Looks up and remembers display names.
pub struct JiraUsers {
    client: JiraClient,
    cache: Mutex<HashMap<Key, (Instant, Option<String>)>>,
}

impl JiraUsers {
    /// Lookups go through `client`, so its address and push-only rules hold.
    pub fn new(client: JiraClient) -> JiraUsers {
        JiraUsers { client, cache: Mutex::default() }
    }

    /// (reference, display name) for those of `references` Jira at `base` knows.
    pub async fn display_names(
        &self,
        base: &InstanceId,
        references: &[String],
        auth: &JiraAuth,
    ) -> Vec<(String, String)> {
        let mut names = Vec::new();
        let mut asked = 0;
        for reference in references {
            let key = (base.to_string(), reference.clone());
            let cached = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
            let name = match cached {
                Some((until, name)) if Instant::now() < until => name,
                _ if asked >= MOST_PER_POST => None,
                _ => {
                    asked += 1;
                    let (name, keep) = match lookup(&self.client, base, reference, auth).await {
                        Ok(name) => (name, FOUND_FOR),
                        Err(reason) => {
                            tracing::warn!(%reason, "could not look up a mentioned Jira user; the mention shows the bare id");
                            (None, FAILED_FOR)
                        }
                    };
                    self.remember(key, name.clone(), keep);
                    name
                }
            };
            if let Some(name) = name {
                names.push((reference.clone(), name));
            }
        }
        names
    }

    fn remember(&self, key: Key, name: Option<String>, keep: Duration) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            let mut by_age: Vec<(Key, Instant)> = cache.iter().map(|(k, (t, _))| (k.clone(), *t)).collect();
            by_age.sort_by_key(|(_, t)| *t);
            for (old, _) in by_age.into_iter().take(CACHE_MAX / 2) {
                cache.remove(&old);
            }
        }
        cache.insert(key, (Instant::now() + keep, name));
    }
}

/// `GET /rest/api/2/user?accountId=` (Cloud) or `?username=` (Server/DC): its `displayName`,
/// `None` when Jira has no such user (404), `Err` when Jira could not be asked.
async fn lookup(
    client: &JiraClient,
    base: &InstanceId,
    reference: &str,
    auth: &JiraAuth,
) -> Result<Option<String>, JiraError> {
    let query = match reference.strip_prefix("accountid:") {
        Some(account) => [("accountId", account)],
        None => [("username", reference)],
    };
    let url = super::rest::api_url(base.as_str(), &["user"])?;
    let user = match client.get_json(&url, &query, Some(auth)).await {
        Ok(user) => user,
        Err(JiraError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(user.get("displayName").and_then(|n| n.as_str()).map(str::trim).filter(|n| !n.is_empty()).map(String::from))
}
