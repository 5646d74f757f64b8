//! Connecting through OAuth (SPEC §8.1): `/jira connect` answers a link whose token is
//! random, used once, bound to the user and the instance, and valid 15 minutes; opening it
//! starts OAuth 1.0a with the Jira Server/DC (temporary credentials, then Jira's authorize
//! page) or OAuth 2.0 with Atlassian (PKCE and a single-use `state`); the callback page
//! finishes the connection.
//!
//! Links, states and temporary credentials are sealed in `secret_value` under the SHA-256 of
//! their token (a copy of the store holds no usable link), and each is taken (removed) when
//! used, so it works once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Connections;
use crate::instances::oauth::{oauth1_callback_url, oauth2_redirect_url};
use crate::jira::auth::JiraAuth;
use crate::jira::client::JiraError;
use crate::jira::instance::{decode_id, encode_id, InstanceType};
use crate::jira::oauth1::Consumer;
use crate::jira::oauth2;
use crate::store::records::InstanceRecordV1;
use crate::store::{ConnectionAuth, StoreError, StoredSecret};
use crate::utc::now_ms;

/// How long a connect link, an OAuth 2.0 state or OAuth 1.0a temporary credentials last.
const PENDING_MS: u64 = 15 * 60_000;
const LINK: &str = "connect_link:";
const STATE: &str = "oauth2_state:";
const TEMPORARY: &str = "oauth1_token:";

pub const LINK_EXPIRED: &str = "This connect link has expired or was already used. Run `/jira connect` again.";
const OAUTH1_EXPIRED: &str = "This connect link has expired. Run `/jira connect` again.";
const FAILED: &str = "Failed to connect to Jira.";

/// What a connect page answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// 302 to Jira or Atlassian.
    Redirect(String),
    /// Connected: the sentence for the page.
    Connected(String),
    /// Refused or failed with this status; the sentence for the page.
    Refused(u16, String),
}

/// A connection under way: who, where, and the flow's secret (PKCE verifier, temporary
/// token secret).
#[derive(Serialize, Deserialize)]
struct Pending {
    user: String,
    instance: String,
    #[serde(default)]
    secret: String,
}

fn name(kind: &str, token: &str) -> String {
    format!("{kind}{}", hex::encode(Sha256::digest(token.as_bytes())))
}

/// The answer to `/jira connect` while jirabridge does not know its public address.
pub(super) const NO_PUBLIC_URL: &str = "jirabridge does not know its public address (server.public_url), so it cannot \
send you to Jira and back. Please ask your system administrator to set it.";

impl Connections {
    /// A new connect link for `user` to `instance`, after checking the instance can take
    /// OAuth connections; `Err` is the sentence.
    pub(super) async fn connect_link(&self, user: &str, instance: &InstanceRecordV1) -> Result<String, String> {
        // The link is opened in the user's browser and Jira sends them back to it: an
        // address made from `server.listen` would point at a loopback or internal host.
        if self.settings.current().server.public_url.trim().is_empty() {
            return Err(NO_PUBLIC_URL.into());
        }
        let id = instance.id.to_string();
        match instance.instance_type {
            InstanceType::Cloud => {
                if self.instance_auth(&id).await?.oauth2_client().is_none() {
                    return Err(super::credentials::not_ready(&id));
                }
            }
            InstanceType::Server => drop(self.consumer(&id).await?),
        }
        let token = crate::random::url_safe_token(32)?;
        self.keep_pending(LINK, &token, Pending { user: user.into(), instance: id.clone(), secret: String::new() })
            .await?;
        let base = self.settings.current().public_base_url();
        Ok(format!("{base}/instance/{}/user/connect?t={token}", encode_id(&id)))
    }

    /// `GET /instance/{b64}/user/connect?t=`: the link is used up, then the flow starts.
    pub async fn open_connect_link(&self, path_instance: &str, token: &str) -> Page {
        if !self.jira.may_call() {
            return Page::Refused(400, crate::commands::run::PUSH_ONLY.into());
        }
        let pending = match self.take_pending(LINK, token).await {
            Ok(Some(pending)) if Some(&pending.instance) == decode_id(path_instance).as_ref() => pending,
            Ok(_) => return Page::Refused(400, LINK_EXPIRED.into()),
            Err(why) => return Page::Refused(503, why),
        };
        let (store, wanted) = (self.store.clone(), pending.instance.clone());
        let instance = match self.store.run(move |_| store.instance(&wanted)).await {
            Ok(Some(instance)) => instance,
            Ok(None) => return Page::Refused(400, LINK_EXPIRED.into()),
            Err(e) => return Page::Refused(503, super::store_trouble(e)),
        };
        let started = match instance.instance_type {
            InstanceType::Cloud => self.start_oauth2(&pending.user, &instance).await,
            InstanceType::Server => self.start_oauth1(&pending.user, &instance).await,
        };
        started.unwrap_or_else(|page| page)
    }

    async fn start_oauth2(&self, user: &str, instance: &InstanceRecordV1) -> Result<Page, Page> {
        let id = instance.id.to_string();
        let settings = self.instance_auth(&id).await.map_err(|why| Page::Refused(503, why))?;
        let Some((client_id, _)) = settings.oauth2_client() else {
            return Err(Page::Refused(400, super::credentials::not_ready(&id)));
        };
        let failed = |why: String| {
            tracing::error!(reason = %why, "an OAuth 2.0 connection could not start");
            Page::Refused(500, FAILED.into())
        };
        let pkce = oauth2::Pkce::new().map_err(failed)?;
        let state = crate::random::url_safe_token(24).map_err(failed)?;
        let pending = Pending { user: user.into(), instance: id.clone(), secret: pkce.verifier };
        self.keep_pending(STATE, &state, pending).await.map_err(|why| Page::Refused(503, why))?;
        let config = self.settings.current();
        let redirect_uri = oauth2_redirect_url(&config.public_base_url(), &id);
        let url = oauth2::authorize_url(&oauth2::Authorize {
            auth_base: &config.jira.atlassian_auth_url,
            client_id,
            redirect_uri: &redirect_uri,
            state: &state,
            challenge: &pkce.challenge,
        })
        .map_err(failed)?;
        Ok(Page::Redirect(url))
    }

    async fn start_oauth1(&self, user: &str, instance: &InstanceRecordV1) -> Result<Page, Page> {
        let id = instance.id.to_string();
        let consumer = self.consumer(&id).await.map_err(|why| Page::Refused(400, why))?;
        let callback = oauth1_callback_url(&self.settings.current().public_base_url(), &id);
        let temporary = consumer.request_token(&self.jira, &id, &callback).await.map_err(|e| {
            tracing::warn!(instance = %id, error = %e, "Jira refused OAuth 1.0a temporary credentials");
            Page::Refused(502, format!("{FAILED} {}", describe(&e)))
        })?;
        let pending = Pending { user: user.into(), instance: id.clone(), secret: temporary.secret };
        self.keep_pending(TEMPORARY, &temporary.token, pending).await.map_err(|why| Page::Refused(503, why))?;
        Ok(Page::Redirect(Consumer::authorize_url(&id, &temporary.token)))
    }

    /// `GET /instance/{b64}/oauth2/complete.html?code=&state=` (SPEC §3.1, §8.1).
    pub async fn finish_oauth2(&self, path_instance: &str, query: &HashMap<String, String>) -> Page {
        if !self.jira.may_call() {
            return Page::Refused(400, crate::commands::run::PUSH_ONLY.into());
        }
        let given = |name: &str| query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let Some(code) = given("code") else { return Page::Refused(400, "Bad request: missing code".into()) };
        let Some(state) = given("state") else { return Page::Refused(400, "Bad request: missing state".into()) };
        let well_formed =
            state.len() == 32 && state.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Page::Refused(400, "Bad request: invalid state".into());
        }
        let pending = match self.take_pending(STATE, state).await {
            Ok(Some(pending)) => pending,
            Ok(None) => return Page::Refused(401, "state not found or might be expired".into()),
            Err(why) => return Page::Refused(503, why),
        };
        if Some(&pending.instance) != decode_id(path_instance).as_ref() {
            return Page::Refused(401, "state token mismatch".into());
        }
        self.complete_oauth2(&pending, code).await.unwrap_or_else(|page| page)
    }

    async fn complete_oauth2(&self, pending: &Pending, code: &str) -> Result<Page, Page> {
        let id = pending.instance.as_str();
        let mut settings = self.instance_auth(id).await.map_err(|why| Page::Refused(503, why))?;
        let Some((client_id, client_secret)) = settings.oauth2_client() else {
            return Err(Page::Refused(400, super::credentials::not_ready(id)));
        };
        let config = self.settings.current();
        let app = oauth2::App { auth_base: &config.jira.atlassian_auth_url, client_id, client_secret };
        let redirect_uri = oauth2_redirect_url(&config.public_base_url(), id);
        let failed = |step: &str, e: JiraError| {
            tracing::warn!(instance = %id, step, error = %e, "an OAuth 2.0 connection failed");
            Page::Refused(502, format!("{FAILED} {}", describe(&e)))
        };
        let tokens =
            app.exchange_code(&self.jira, code, &redirect_uri, &pending.secret).await.map_err(|e| failed("code", e))?;
        let api = config.jira.atlassian_api_url.clone();
        let resources = oauth2::accessible_resources(&self.jira, &api, &tokens.access_token)
            .await
            .map_err(|e| failed("accessible-resources", e))?;
        let same_site = |url: &str| url.trim_end_matches('/').eq_ignore_ascii_case(id);
        let Some(site) = resources.into_iter().find(|r| same_site(&r.url)) else {
            return Err(Page::Refused(403, format!("This Atlassian account cannot access {id}.")));
        };
        if settings.cloud_id.as_deref() != Some(site.id.as_str()) {
            settings.cloud_id = Some(site.id.clone());
            let (store, key, instance, saved) =
                (self.store.clone(), self.key.clone(), id.to_string(), settings.clone());
            let stored = self.store.run(move |_| crate::instances::oauth::save(&store, &key, &instance, &saved)).await;
            stored.map_err(|e| Page::Refused(503, super::store_trouble(e)))?;
        }
        let gateway = oauth2::gateway_base(&api, &site.id);
        let bearer = JiraAuth::Bearer(tokens.access_token.clone());
        let me = crate::jira::rest::myself(&self.jira, &gateway, &bearer).await.map_err(|e| failed("myself", e))?;
        let auth = ConnectionAuth::OAuth2 {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_at_ms: tokens.expires_at_ms,
        };
        self.connected(&pending.user, id, me, auth).await.map_err(|why| Page::Refused(503, why))?;
        Ok(Page::Connected(super::connect::CONNECTED_DM.into()))
    }

    /// `GET /instance/{b64}/oauth1/complete.html?oauth_token=&oauth_verifier=` (SPEC §8.1).
    pub async fn finish_oauth1(&self, path_instance: &str, query: &HashMap<String, String>) -> Page {
        if !self.jira.may_call() {
            return Page::Refused(400, crate::commands::run::PUSH_ONLY.into());
        }
        let token = query.get("oauth_token").map(String::as_str).unwrap_or_default();
        let pending = match self.take_pending(TEMPORARY, token).await {
            Ok(Some(pending)) if !token.is_empty() => pending,
            Ok(_) => return Page::Refused(400, OAUTH1_EXPIRED.into()),
            Err(why) => return Page::Refused(503, why),
        };
        if Some(&pending.instance) != decode_id(path_instance).as_ref() {
            return Page::Refused(400, OAUTH1_EXPIRED.into());
        }
        let verifier = query.get("oauth_verifier").map(String::as_str).unwrap_or_default();
        if verifier.is_empty() || verifier == "denied" {
            return Page::Refused(400, FAILED.into());
        }
        let id = pending.instance.as_str();
        let consumer = match self.consumer(id).await {
            Ok(consumer) => consumer,
            Err(why) => return Page::Refused(400, why),
        };
        let failed = |step: &str, e: JiraError| {
            tracing::warn!(instance = %id, step, error = %e, "an OAuth 1.0a connection failed");
            Page::Refused(502, format!("{FAILED} {}", describe(&e)))
        };
        let access = match consumer.access_token(&self.jira, id, token, verifier).await {
            Ok(access) => access,
            Err(e) => return failed("access-token", e),
        };
        let me = match crate::jira::rest::myself(&self.jira, id, &consumer.access(&access.token)).await {
            Ok(me) => me,
            Err(e) => return failed("myself", e),
        };
        let auth = ConnectionAuth::OAuth1 { token: access.token, secret: access.secret };
        match self.connected(&pending.user, id, me, auth).await {
            Ok(()) => Page::Connected(super::connect::CONNECTED_DM.into()),
            Err(why) => Page::Refused(503, why),
        }
    }

    /// Keeps a pending step under its token for [`PENDING_MS`], after sweeping the expired
    /// ones of its kind (links nobody opened, consents nobody gave).
    async fn keep_pending(&self, kind: &'static str, token: &str, pending: Pending) -> Result<(), String> {
        let value = serde_json::to_string(&pending).map_err(|e| e.to_string())?;
        let (store, key, secret_name) = (self.store.clone(), self.key.clone(), name(kind, token));
        let now = now_ms();
        let secret = StoredSecret { value, valid_until_ms: Some(now + PENDING_MS) };
        self.store
            .run(move |_| -> Result<(), StoreError> {
                store.sweep_expired_secrets(kind, now)?;
                store.put_secret(&secret_name, &secret, &key)
            })
            .await
            .map_err(super::store_trouble)
    }

    /// Takes (uses up) a pending step; `None` when unknown, used, or expired.
    async fn take_pending(&self, kind: &'static str, token: &str) -> Result<Option<Pending>, String> {
        let (store, key, secret_name) = (self.store.clone(), self.key.clone(), name(kind, token));
        let taken =
            self.store.run(move |_| store.take_secret(&secret_name, &key)).await.map_err(super::store_trouble)?;
        Ok(taken
            .filter(|secret| secret.valid_until_ms.is_some_and(|until| until >= now_ms()))
            .and_then(|secret| serde_json::from_str(&secret.value).ok()))
    }
}

/// A Jira failure for a page, without anything Jira's text could inject.
fn describe(e: &JiraError) -> String {
    match e {
        JiraError::Unauthorized | JiraError::Forbidden => "Jira refused jirabridge's credentials.".into(),
        JiraError::Unreachable(_) => "Jira did not answer.".into(),
        _ => "Jira's answer was not usable.".into(),
    }
}
