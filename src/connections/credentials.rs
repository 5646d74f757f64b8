//! What a connection sends to Jira, and where (SPEC §8.1, §12.1): a personal access token or
//! an API token to the instance itself; an OAuth 1.0a token signed with jirabridge's RSA key
//! and the instance's consumer key; an OAuth 2.0 access token to the Atlassian gateway
//! (`<api>/ex/jira/<cloudId>`), refreshed first when it expires within a minute.
//!
//! A refresh rotates the refresh token (the old one dies; reusing it kills the whole grant),
//! so refreshes of one connection run one at a time, each re-reading the connection, and the
//! new tokens are stored (flushed) before the access token is used. A grant Atlassian refuses
//! ends the connection, with one DM per user and instance per 5 minutes.

use std::sync::Arc;

use super::Connections;
use crate::instances::oauth;
use crate::jira::auth::JiraAuth;
use crate::jira::oauth1::Consumer;
use crate::jira::oauth2::{self, grant_rejected};
use crate::store::records::InstanceRecordV1;
use crate::store::{Connection, ConnectionAuth, StoreError};
use crate::utc::now_ms;

/// An access token this close to its expiry is refreshed before use.
const REFRESH_WITHIN_MS: u64 = 60_000;
/// At most one "connection has expired" DM per user and instance in this time.
const EXPIRED_DM_EVERY_MS: u64 = 5 * 60_000;

/// Where a connection's calls go, and with what.
pub(super) struct Credentials {
    /// The REST base: the instance URL, or the gateway's for OAuth 2.0.
    pub base: String,
    pub auth: JiraAuth,
}

/// The DM and answer when a Cloud grant is refused for good.
pub(super) fn expired_text(instance_id: &str) -> String {
    format!(":warning: Your Jira connection has expired. Please reconnect your account using `/jira connect {instance_id}`.")
}

/// The answer when the refused credentials were replaced while the call was on its way.
const RENEWED: &str = "Your Jira connection was renewed while this ran. Please try again.";

pub(super) fn not_ready(instance_id: &str) -> String {
    format!("Jira instance {instance_id} is not ready: an administrator must set its OAuth client id and secret.")
}

impl Connections {
    /// The credentials of `connection` to `instance`; `Err` is the sentence for the user.
    pub(super) async fn credentials(
        &self,
        instance: &InstanceRecordV1,
        connection: &Connection,
    ) -> Result<Credentials, String> {
        let base = instance.id.to_string();
        match &connection.auth {
            ConnectionAuth::Pat { token } => Ok(Credentials { base, auth: JiraAuth::Bearer(token.clone()) }),
            ConnectionAuth::ApiToken { email, token } => {
                Ok(Credentials { base, auth: JiraAuth::api_token(email, token) })
            }
            ConnectionAuth::OAuth1 { token, .. } => {
                let consumer = self.consumer(&base).await?;
                Ok(Credentials { base, auth: consumer.access(token) })
            }
            ConnectionAuth::OAuth2 { access_token, expires_at_ms, .. } => {
                let cloud_id = self.instance_auth(&base).await?.cloud_id.unwrap_or_default();
                let gateway = oauth2::gateway_base(&self.settings.current().jira.atlassian_api_url, &cloud_id);
                if *expires_at_ms > now_ms() + REFRESH_WITHIN_MS {
                    return Ok(Credentials { base: gateway, auth: JiraAuth::Bearer(access_token.clone()) });
                }
                let fresh = self.refreshed(&base, &connection.mm_user_id).await?;
                Ok(Credentials { base: gateway, auth: JiraAuth::Bearer(fresh) })
            }
        }
    }

    /// The instance's OAuth settings.
    pub(super) async fn instance_auth(&self, instance_id: &str) -> Result<oauth::InstanceAuth, String> {
        let (store, key, id) = (self.store.clone(), self.key.clone(), instance_id.to_string());
        self.store.run(move |_| oauth::load(&store, &key, &id)).await.map_err(super::store_trouble)
    }

    /// jirabridge as an OAuth 1.0a consumer of `instance_id`.
    pub(super) async fn consumer(&self, instance_id: &str) -> Result<Consumer, String> {
        let (store, key, id) = (self.store.clone(), self.key.clone(), instance_id.to_string());
        let found = self
            .store
            .run(move |_| -> Result<_, StoreError> {
                Ok((oauth::load(&store, &key, &id)?.oauth1_consumer_key, oauth::rsa_key(&store, &key)?))
            })
            .await
            .map_err(super::store_trouble)?;
        match found {
            (Some(consumer_key), key) => Ok(Consumer { key, consumer_key }),
            (None, _) => Err(format!(
                "Jira instance {instance_id} has no OAuth consumer key; an administrator must add it again."
            )),
        }
    }

    /// A fresh access token for the user's OAuth 2.0 connection: one refresh at a time per
    /// connection, the rotated tokens stored before the access token is answered.
    async fn refreshed(&self, instance_id: &str, user: &str) -> Result<String, String> {
        let lock = {
            let mut locks = self.refreshing.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(format!("{instance_id}\0{user}")).or_default().clone()
        };
        let _one_at_a_time = lock.lock().await;
        // Another refresh may have finished while this one waited: its tokens are the ones.
        let (store, key, id, who) = (self.store.clone(), self.key.clone(), instance_id.to_string(), user.to_string());
        let current = self.store.run(move |_| store.connection(&id, &who, &key)).await.map_err(super::store_trouble)?;
        let Some(read) = current.map(|c| c.auth) else { return Err(crate::commands::run::NOT_CONNECTED.into()) };
        let ConnectionAuth::OAuth2 { access_token, refresh_token, expires_at_ms } = &read else {
            return Err(crate::commands::run::NOT_CONNECTED.into());
        };
        if *expires_at_ms > now_ms() + REFRESH_WITHIN_MS {
            return Ok(access_token.clone());
        }
        let settings = self.instance_auth(instance_id).await?;
        let Some((client_id, client_secret)) = settings.oauth2_client() else { return Err(not_ready(instance_id)) };
        let config = self.settings.current();
        let app = oauth2::App { auth_base: &config.jira.atlassian_auth_url, client_id, client_secret };
        match app.refresh(&self.jira, refresh_token).await {
            Ok(tokens) => {
                let auth = ConnectionAuth::OAuth2 {
                    access_token: tokens.access_token.clone(),
                    refresh_token: tokens.refresh_token,
                    expires_at_ms: tokens.expires_at_ms,
                };
                let (store, key, id, who) =
                    (self.store.clone(), self.key.clone(), instance_id.to_string(), user.to_string());
                match self.store.run(move |_| store.update_connection_auth(&id, &who, &auth, &key)).await {
                    Ok(true) => Ok(tokens.access_token),
                    Ok(false) => Err(crate::commands::run::NOT_CONNECTED.into()),
                    Err(e) => Err(super::store_trouble(e)),
                }
            }
            Err(e) if grant_rejected(&e) => {
                tracing::info!(instance = %instance_id, user = %user, error = %e, "Atlassian refused a refresh; the connection ends");
                match self.expire(instance_id, user, read).await {
                    true => Err(expired_text(instance_id)),
                    false => Err(RENEWED.into()),
                }
            }
            Err(e) => Err(super::issues::jira_trouble(&e)),
        }
    }

    /// Jira answered 401 to an OAuth 2.0 connection's access token: when the accessible
    /// resources refuse it too (401/403), the grant is gone: the connection ends (one DM per
    /// 5 minutes) and the answer is the sentence. `None` for other connections, or when the
    /// grant still stands.
    pub(super) async fn grant_gone(
        &self,
        instance_id: &str,
        connection: &Connection,
        auth: &JiraAuth,
    ) -> Option<String> {
        let (ConnectionAuth::OAuth2 { .. }, JiraAuth::Bearer(access)) = (&connection.auth, auth) else { return None };
        let api = self.settings.current().jira.atlassian_api_url.clone();
        match oauth2::accessible_resources(&self.jira, &api, access).await {
            Err(crate::jira::client::JiraError::Unauthorized | crate::jira::client::JiraError::Forbidden) => {
                let ended = self.expire(instance_id, &connection.mm_user_id, connection.auth.clone()).await;
                Some(if ended { expired_text(instance_id) } else { RENEWED.into() })
            }
            _ => None,
        }
    }

    /// Ends a connection whose grant is dead and tells the user, at most once per 5 minutes.
    /// Their notification settings and last project wait for their next connection. Only
    /// the connection holding the `refused` credentials ends: one made while the refused
    /// call was on its way (a reconnect) stays; `false` then.
    pub(super) async fn expire(&self, instance_id: &str, user: &str, refused: ConnectionAuth) -> bool {
        let (store, key, id, who) = (self.store.clone(), self.key.clone(), instance_id.to_string(), user.to_string());
        let once = format!("expired\0{instance_id}\0{user}");
        let now = now_ms();
        let until = now + EXPIRED_DM_EVERY_MS;
        let outcome = self
            .store
            .run(move |_| -> Result<Option<bool>, StoreError> {
                match store.connection(&id, &who, &key)? {
                    // Ended already by a call refused at the same time, which told the user.
                    None => return Ok(Some(false)),
                    Some(current) if current.auth != refused => return Ok(None),
                    Some(_) => {}
                }
                store.expire_connection(&id, &who, now)?;
                store.use_once(&once, until, now).map(Some)
            })
            .await;
        match outcome {
            Ok(None) => return false,
            Ok(Some(tell)) => {
                self.forget(user, instance_id);
                if tell {
                    self.direct_message(user, &expired_text(instance_id)).await;
                }
            }
            Err(e) => {
                self.forget(user, instance_id);
                tracing::error!(error = %e, "could not end an expired Jira connection");
            }
        }
        true
    }
}

/// Refresh locks, one per connection being refreshed.
pub(super) type RefreshLocks = std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

/// Connected users as a source of credentials for enrichment (SPEC §4.5).
impl crate::ingest::pending::ActorCredentials for Connections {
    fn anyone_connected(&self, instance_id: &str) -> bool {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        index.values().any(|instances| instances.iter().any(|i| i == instance_id))
    }

    fn credentials_of<'a>(&'a self, instance_id: &'a str, actor: &'a str) -> crate::ingest::pending::ActorAuth<'a> {
        Box::pin(async move {
            let (store, key) = (self.store.clone(), self.key.clone());
            let (instance_id, actor) = (instance_id.to_string(), actor.to_string());
            let found = self
                .store
                .run(move |_| -> Result<_, StoreError> {
                    let Some(user) = store.mm_user_by_jira(&instance_id, &actor)? else { return Ok(None) };
                    Ok(store.instance(&instance_id)?.zip(store.connection(&instance_id, &user, &key)?))
                })
                .await;
            let (instance, connection) = match found {
                Ok(found) => found?,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read a commenter's Jira connection");
                    return None;
                }
            };
            let Credentials { base, auth } = self.credentials(&instance, &connection).await.ok()?;
            Some((base, auth))
        })
    }
}
