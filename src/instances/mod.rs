//! Jira instances as the admin manages them (SPEC §7): add with the install check, look up
//! by id, alias or path segment, change, remove, each audited. Shared by the admin API and
//! the console.

pub mod oauth;
pub mod webhook_urls;

use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::jira::address::check_url;
use crate::jira::client::JiraClient;
use crate::jira::instance::{check_alias, check_type, decode_id, InstanceId, InstanceType};
use crate::jira::status;
use crate::store::records::{AuditRecordV1, InstanceRecordV1};
use crate::store::{Store, StoreError};

/// What an admin asks for when adding an instance.
#[derive(Debug, Clone, Deserialize)]
pub struct NewInstance {
    #[serde(default)]
    pub url: String,
    #[serde(rename = "type")]
    pub instance_type: Option<InstanceType>,
    #[serde(default)]
    pub alias: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("Jira instance {0} already exists")]
    Exists(String),
    #[error("{0}")]
    NotFound(String),
    #[error("we couldn't validate the connection to your Jira server. This could be because of existing firewall or proxy rules, or because the URL was entered incorrectly")]
    Unreachable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Settings the instance rules depend on, and who acts (for the audit log).
pub struct InstanceContext {
    pub store: Store,
    /// How Jira is called (push-only and address rules included).
    pub jira: JiraClient,
    /// `jira.allow_loopback`: instance URLs at loopback or link-local addresses are refused
    /// unless it is on.
    pub allow_loopback: bool,
    pub mattermost_url: String,
    pub push_only: bool,
    pub timeout: Duration,
    /// `api` or a console admin's name.
    pub actor: String,
    /// The base of the webhook URLs the audit entry shows (see [`to_json`]).
    pub public_base: String,
    /// Seals the instance's OAuth settings ([`oauth`]).
    pub key: crate::store::MasterKey,
}

impl InstanceContext {
    /// The context for `actor` under the configuration in force.
    pub fn new(
        store: Store,
        jira: JiraClient,
        config: &crate::config::Config,
        key: crate::store::MasterKey,
        actor: &str,
    ) -> InstanceContext {
        InstanceContext {
            store,
            jira,
            allow_loopback: config.jira.allow_loopback,
            mattermost_url: config.mattermost.url.clone(),
            push_only: config.jira.push_only,
            timeout: Duration::from_secs(config.jira.request_timeout_secs),
            actor: actor.to_string(),
            public_base: config.public_base_url(),
            key,
        }
    }
}

/// Adds an instance: normalized id, not a loopback or link-local address (unless
/// `jira.allow_loopback`), type checked against the URL, alias unique, Jira asked for
/// `/status` unless `skip_check` or push-only mode; audited. The store is asked on a
/// blocking thread ([`Store::run`]) before and after Jira, never while Jira is asked.
pub async fn add(
    ctx: &InstanceContext,
    request: NewInstance,
    skip_check: bool,
    now_ms: u64,
) -> Result<InstanceRecordV1, InstanceError> {
    let invalid = |field, message| InstanceError::Invalid { field, message };
    let id = InstanceId::parse(&request.url).map_err(|e| invalid("url", e.0))?;
    if !ctx.allow_loopback {
        let parsed = url::Url::parse(id.as_str()).map_err(|e| invalid("url", e.to_string()))?;
        check_url(&parsed).map_err(|m| invalid("url", m))?;
    }
    if !ctx.mattermost_url.is_empty() && id.as_str().eq_ignore_ascii_case(&ctx.mattermost_url) {
        return Err(invalid("url", format!("{id} is the Mattermost site URL. Please use your Jira URL")));
    }
    let detected = id.instance_type();
    if let Some(declared) = request.instance_type {
        check_type(id.as_str(), declared).map_err(|m| invalid("type", m))?;
    }
    if let Some(alias) = &request.alias {
        check_alias(alias).map_err(|m| invalid("alias", m))?;
    }
    let (wanted, alias) = (id.clone(), request.alias.clone());
    ctx.store.run(move |store| refuse_taken(store, &wanted, alias.as_deref())).await?;
    if !skip_check && !ctx.push_only && !status::is_running(&ctx.jira, &id, ctx.timeout).await {
        return Err(InstanceError::Unreachable);
    }
    let version = match (skip_check || ctx.push_only, detected) {
        (false, InstanceType::Server) => status::server_version(&ctx.jira, &id, ctx.timeout).await,
        _ => None,
    };
    let record = InstanceRecordV1::new(id, detected, request.alias, now_ms);
    let (actor, base, key, push_only) = (ctx.actor.clone(), ctx.public_base.clone(), ctx.key.clone(), ctx.push_only);
    ctx.store
        .run(move |store| {
            let record = insert(store, record, &actor, &base)?;
            if !push_only {
                prepare_oauth(store, &key, &record, &base, version)?;
            }
            Ok(record)
        })
        .await
}

/// What users need to connect to a new instance: on Server/DC the consumer key, the Jira
/// version and jirabridge's RSA key (made once, shared by every Server/DC instance).
fn prepare_oauth(
    store: &Store,
    key: &crate::store::MasterKey,
    record: &InstanceRecordV1,
    public_base: &str,
    version: Option<String>,
) -> Result<(), StoreError> {
    if record.instance_type != InstanceType::Server {
        return Ok(());
    }
    let auth = oauth::InstanceAuth {
        oauth1_consumer_key: Some(oauth::consumer_key_for(public_base)),
        jira_server_version: version,
        ..oauth::load(store, key, record.id.as_str())?
    };
    oauth::save(store, key, record.id.as_str(), &auth)?;
    oauth::rsa_key(store, key).map(drop)
}

/// An alias another instance has, or an instance already added, is refused.
fn refuse_taken(store: &Store, id: &InstanceId, alias: Option<&str>) -> Result<(), InstanceError> {
    if let Some(alias) = alias {
        if let Some(owner) = store.instance_id_for_alias(alias)? {
            let message = format!("Alias `{alias}` already exists on InstanceID: {owner}.");
            return Err(InstanceError::Invalid { field: "alias", message });
        }
    }
    if store.instance(id.as_str())?.is_some() {
        return Err(InstanceError::Exists(id.to_string()));
    }
    Ok(())
}

/// Stores a new instance (the default when it is the first) and audits it.
fn insert(
    store: &Store,
    mut record: InstanceRecordV1,
    actor: &str,
    public_base: &str,
) -> Result<InstanceRecordV1, InstanceError> {
    record.is_default = store.instances()?.is_empty();
    store.put_instance(&record)?;
    audit(store, actor, "instance.add", record.id.as_str(), None, Some(&to_json(&record, public_base)))?;
    Ok(record)
}

/// Patches the instance `reference` names (see [`resolve`]) and audits it as `actor`, the
/// entry showing the instance as [`to_json`] does with `public_base`. Takes the store: call
/// it in [`Store::run`].
pub fn change(
    store: &Store,
    reference: &str,
    patch: InstancePatch,
    actor: &str,
    public_base: &str,
) -> Result<InstanceRecordV1, InstanceError> {
    let record = existing(store, reference)?;
    let before = to_json(&record, public_base);
    let updated = update(store, record, patch)?;
    let after = to_json(&updated, public_base);
    audit(store, actor, "instance.update", updated.id.as_str(), Some(&before), Some(&after))?;
    Ok(updated)
}

/// Sets or clears (`""`) the OAuth 2.0 client id and secret of the Cloud instance
/// `reference` names, and audits it (never the secret). Call it in [`Store::run`].
pub fn set_oauth2_client(
    store: &Store,
    key: &crate::store::MasterKey,
    reference: &str,
    client_id: Option<String>,
    client_secret: Option<String>,
    actor: &str,
) -> Result<InstanceRecordV1, InstanceError> {
    let record = existing(store, reference)?;
    if record.instance_type != InstanceType::Cloud {
        let message =
            format!("{} is a Jira Server or Data Center instance; OAuth 2.0 clients are for Jira Cloud", record.id);
        return Err(InstanceError::Invalid { field: "oauth2_client_id", message });
    }
    let mut auth = oauth::load(store, key, record.id.as_str())?;
    let given = |value: String| Some(value.trim().to_string()).filter(|v| !v.is_empty());
    let changed = json!({"oauth2_client_id": client_id.is_some(), "oauth2_client_secret": client_secret.is_some()});
    if let Some(id) = client_id {
        auth.oauth2_client_id = given(id);
    }
    if let Some(secret) = client_secret {
        auth.oauth2_client_secret = given(secret);
    }
    oauth::save(store, key, record.id.as_str(), &auth)?;
    audit(store, actor, "instance.oauth2_client", record.id.as_str(), None, Some(&changed))?;
    Ok(record)
}

/// Removes the instance `reference` names, after ending every user's connection to it
/// (SPEC §7.4; subscriptions stay, inactive), and audits it, as [`change`] does. Answers the
/// removed instance: the caller tells `connections` to forget it.
pub fn remove(
    store: &Store,
    reference: &str,
    actor: &str,
    public_base: &str,
) -> Result<InstanceRecordV1, InstanceError> {
    let record = existing(store, reference)?;
    for (instance, user) in store.connection_keys()? {
        if instance == record.id.as_str() {
            store.remove_connection(&instance, &user)?;
        }
    }
    store.delete_instance(&record.id)?;
    oauth::forget(store, record.id.as_str())?;
    audit(store, actor, "instance.remove", record.id.as_str(), Some(&to_json(&record, public_base)), None)?;
    Ok(record)
}

fn existing(store: &Store, reference: &str) -> Result<InstanceRecordV1, InstanceError> {
    resolve(store, reference)?.ok_or_else(|| InstanceError::NotFound(format!("unknown Jira instance {reference}")))
}

/// Records a change to an instance by `actor` in the audit log.
fn audit(
    store: &Store,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), StoreError> {
    store.audit(&AuditRecordV1::new(
        actor,
        action,
        target,
        before.map(|v| v.to_string()),
        after.map(|v| v.to_string()),
        crate::utc::now_ms(),
    ))
}

/// Changes an admin may make to an instance.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstancePatch {
    /// A new alias; `""` removes it.
    pub alias: Option<String>,
    pub is_default: Option<bool>,
    pub is_v2_legacy: Option<bool>,
}

/// Applies a patch. At most one instance is the default and one the v2-legacy target, so
/// setting either on one instance clears it on the others.
pub fn update(
    store: &Store,
    mut record: InstanceRecordV1,
    patch: InstancePatch,
) -> Result<InstanceRecordV1, InstanceError> {
    if let Some(alias) = patch.alias {
        if alias.is_empty() {
            record.alias = None;
        } else {
            check_alias(&alias).map_err(|message| InstanceError::Invalid { field: "alias", message })?;
            if let Some(owner) = store.instance_id_for_alias(&alias)?.filter(|owner| *owner != record.id) {
                let message = format!("Alias `{alias}` already exists on InstanceID: {owner}.");
                return Err(InstanceError::Invalid { field: "alias", message });
            }
            record.alias = Some(alias);
        }
    }
    for mut other in store.instances()?.into_iter().filter(|o| o.id != record.id) {
        let clear_default = patch.is_default == Some(true) && other.is_default;
        let clear_legacy = patch.is_v2_legacy == Some(true) && other.is_v2_legacy;
        if clear_default || clear_legacy {
            other.is_default &= !clear_default;
            other.is_v2_legacy &= !clear_legacy;
            store.put_instance(&other)?;
        }
    }
    record.is_default = patch.is_default.unwrap_or(record.is_default);
    record.is_v2_legacy = patch.is_v2_legacy.unwrap_or(record.is_v2_legacy);
    store.put_instance(&record)?;
    Ok(record)
}

/// Finds an instance by alias, base64 path segment, or id.
pub fn resolve(store: &Store, reference: &str) -> Result<Option<InstanceRecordV1>, StoreError> {
    if let Some(id) = store.instance_id_for_alias(reference)? {
        return store.instance(id.as_str());
    }
    if let Some(found) = decode_id(reference).map(|id| store.instance(&id)).transpose()?.flatten() {
        return Ok(Some(found));
    }
    store.instance(reference)
}

/// `{"subscriptions","legacy_template"}` for an instance, with `secret` (or the placeholder).
pub fn urls_json(instance_id: &InstanceId, public_base: &str, secret: &str) -> Value {
    let parts = webhook_urls::UrlParts {
        public_base,
        instance_id: Some(instance_id.as_str()),
        secret,
        team: "<team name>",
        channel: "<channel name>",
        flags: &[],
    };
    let urls = webhook_urls::build(&parts);
    json!({ "subscriptions": urls.subscriptions, "legacy_template": urls.legacy })
}

/// The JSON the API shows for an instance, with the webhook URLs to paste into Jira.
pub fn to_json(record: &InstanceRecordV1, public_base: &str) -> Value {
    json!({
        "id": record.id,
        "type": record.instance_type,
        "alias": record.alias,
        "is_default": record.is_default,
        "is_v2_legacy": record.is_v2_legacy,
        "created_at": record.created_at_ms,
        "webhook_urls": urls_json(&record.id, public_base, webhook_urls::SECRET_PLACEHOLDER),
    })
}

/// Which instance a webhook belongs to (SPEC §3.2).
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookInstance {
    Found(InstanceRecordV1),
    /// The path named an instance that does not exist (404).
    UnknownInPath,
    /// No instance fits; a firehose event is stored as `unrouted`.
    NoneFits,
}

/// The payload's `self` links (issue, user, comment), lower-cased: they start with the URL
/// of the Jira that sent it.
pub fn self_links(payload: &crate::jira::payload::Payload) -> Vec<String> {
    [["issue", "self"], ["user", "self"], ["comment", "self"]]
        .iter()
        .map(|path| payload.str(path).to_ascii_lowercase())
        .filter(|link| !link.is_empty())
        .collect()
}

/// The path's instance when given; else the v2-legacy one, else the only one, else the one
/// with the longest URL starting one of the payload's [`self_links`] (`…/jira` and
/// `…/jira/eng` may both be installed); none fitting is `unrouted` (SPEC §3.2), not the site
/// default: the sender may be a Jira nobody added.
pub fn for_webhook(store: &Store, path_ref: Option<&str>, links: &[String]) -> Result<WebhookInstance, StoreError> {
    if let Some(reference) = path_ref {
        return Ok(resolve(store, reference)?.map_or(WebhookInstance::UnknownInPath, WebhookInstance::Found));
    }
    let all = store.instances()?;
    if let Some(legacy) = all.iter().find(|i| i.is_v2_legacy) {
        return Ok(WebhookInstance::Found(legacy.clone()));
    }
    if all.len() == 1 {
        return Ok(WebhookInstance::Found(all[0].clone()));
    }
    let owner = all
        .into_iter()
        .filter(|i| {
            let base = format!("{}/", i.id.as_str().to_ascii_lowercase());
            links.iter().any(|link| link.starts_with(&base))
        })
        .max_by_key(|i| i.id.as_str().len());
    Ok(owner.map_or(WebhookInstance::NoneFits, WebhookInstance::Found))
}
