//! An instance's connected-mode settings (SPEC §7.1, §7.2): the OAuth 1.0a consumer key and
//! Jira version of a Server/DC instance, the OAuth 2.0 client id, secret and cloud id of a
//! Cloud one, and jirabridge's one RSA key that every Server/DC application link trusts.
//!
//! All of it is sealed in `secret_value` (the client secret and the key are secrets; the
//! rest rides along), under `instance_auth:<id>` and `oauth1_rsa_key`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::jira::instance::{encode_id, InstanceType};
use crate::jira::oauth1::RsaKey;
use crate::store::records::InstanceRecordV1;
use crate::store::{MasterKey, Store, StoreError, StoredSecret};

pub const RSA_KEY: &str = "oauth1_rsa_key";

fn record_name(instance_id: &str) -> String {
    format!("instance_auth:{instance_id}")
}

/// What connecting users to one instance needs besides its URL. `Debug` hides the secret.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceAuth {
    pub oauth1_consumer_key: Option<String>,
    pub jira_server_version: Option<String>,
    pub oauth2_client_id: Option<String>,
    pub oauth2_client_secret: Option<String>,
    pub cloud_id: Option<String>,
}

impl std::fmt::Debug for InstanceAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceAuth")
            .field("oauth1_consumer_key", &self.oauth1_consumer_key)
            .field("oauth2_client_id", &self.oauth2_client_id)
            .field("oauth2_client_secret", &self.oauth2_client_secret.as_ref().map(|_| "***"))
            .field("cloud_id", &self.cloud_id)
            .finish()
    }
}

impl InstanceAuth {
    /// The client id and secret of a Cloud instance, when both are set.
    pub fn oauth2_client(&self) -> Option<(&str, &str)> {
        match (self.oauth2_client_id.as_deref(), self.oauth2_client_secret.as_deref()) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => Some((id, secret)),
            _ => None,
        }
    }
}

/// The consumer key of a new Server/DC instance: `jirabridge_` and the last 32 characters of
/// jirabridge's public URL, each run of other characters than letters and digits as one `_`.
pub fn consumer_key_for(public_url: &str) -> String {
    let chars: Vec<char> = public_url.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(32)..].iter().collect();
    let mut key = String::from("jirabridge_");
    let mut in_run = false;
    for c in tail.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c);
            in_run = false;
        } else if !in_run {
            key.push('_');
            in_run = true;
        }
    }
    key
}

/// The instance's settings (empty when none were stored).
pub fn load(store: &Store, key: &MasterKey, instance_id: &str) -> Result<InstanceAuth, StoreError> {
    match store.secret(&record_name(instance_id), key)? {
        Some(secret) => serde_json::from_str(&secret.value)
            .map_err(|e| StoreError::Codec(format!("instance settings of {instance_id}: {e}"))),
        None => Ok(InstanceAuth::default()),
    }
}

/// Stores the instance's settings, sealed.
pub fn save(store: &Store, key: &MasterKey, instance_id: &str, auth: &InstanceAuth) -> Result<(), StoreError> {
    let (name, secret) = as_secret(instance_id, auth)?;
    store.put_secret(&name, &secret, key)
}

/// The secret record `save` writes: its name and value (an import writes it with the rest).
pub fn as_secret(instance_id: &str, auth: &InstanceAuth) -> Result<(String, StoredSecret), StoreError> {
    let value = serde_json::to_string(auth).map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok((record_name(instance_id), StoredSecret { value, valid_until_ms: None }))
}

/// Forgets the settings of a removed instance.
pub fn forget(store: &Store, instance_id: &str) -> Result<(), StoreError> {
    store.remove_secret(&record_name(instance_id))
}

/// jirabridge's RSA key, made (2048 bits) and stored the first time it is needed. Slow the
/// first time: call it on a blocking thread.
pub fn rsa_key(store: &Store, key: &MasterKey) -> Result<Arc<RsaKey>, StoreError> {
    if let Some(stored) = store.secret(RSA_KEY, key)? {
        return RsaKey::from_pem(&stored.value).map(Arc::new).map_err(|e| StoreError::Codec(format!("{RSA_KEY}: {e}")));
    }
    let made = RsaKey::generate().map_err(StoreError::Key)?;
    let value = made.to_pem().map_err(StoreError::Key)?;
    store.put_secret(RSA_KEY, &StoredSecret { value, valid_until_ms: None }, key)?;
    Ok(Arc::new(made))
}

/// Where Atlassian sends a user back after OAuth 2.0 consent for this instance.
pub fn oauth2_redirect_url(public_base: &str, instance_id: &str) -> String {
    format!("{public_base}/instance/{}/oauth2/complete.html", encode_id(instance_id))
}

/// Where Jira sends a user back after OAuth 1.0a authorization for this instance.
pub fn oauth1_callback_url(public_base: &str, instance_id: &str) -> String {
    format!("{public_base}/instance/{}/oauth1/complete.html", encode_id(instance_id))
}

/// What the API and the console show of an instance's settings (never the secret).
pub fn to_json(
    record: &InstanceRecordV1,
    auth: &InstanceAuth,
    public_key_pem: Option<&str>,
    public_base: &str,
) -> Value {
    match record.instance_type {
        InstanceType::Server => json!({
            "oauth1_consumer_key": auth.oauth1_consumer_key,
            "oauth1_public_key": public_key_pem,
            "oauth1_callback_url": oauth1_callback_url(public_base, record.id.as_str()),
            "jira_server_version": auth.jira_server_version,
        }),
        InstanceType::Cloud => json!({
            "oauth2_client_id": auth.oauth2_client_id,
            "oauth2_client_secret_set": auth.oauth2_client_secret.as_deref().is_some_and(|s| !s.is_empty()),
            "oauth2_redirect_url": oauth2_redirect_url(public_base, record.id.as_str()),
            "cloud_id": auth.cloud_id,
        }),
    }
}

/// The Application Link steps a Jira Server/DC admin follows (`/jira instance install
/// server`, the console).
pub fn application_link_steps(instance_id: &str, consumer_key: &str, public_key_pem: &str) -> String {
    format!(
        "To let users connect their accounts with OAuth 1.0a, create an Application Link in Jira:\n\
         1. In Jira, go to **Settings > Applications > Application links** \
         ({instance_id}/plugins/servlet/applinks/listApplicationLinks) and create a link to this jirabridge.\n\
         2. Choose an incoming link and enter:\n\
         * **Consumer Key**: `{consumer_key}`\n\
         * **Consumer Name**: `Mattermost`\n\
         * **Public Key**:\n```\n{public_key_pem}```\n\
         * **Consumer Callback URL**: leave it empty (jirabridge sends its own).\n\
         3. Save the link. Users can now run `/jira connect {instance_id}`."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consumer_key_takes_the_end_of_the_public_url() {
        assert_eq!(consumer_key_for("https://bridge.example.com"), "jirabridge_https_bridge_example_com");
        assert_eq!(
            consumer_key_for("https://jirabridge.intranet.example.com:8443/x"),
            "jirabridge_idge_intranet_example_com_8443_x"
        );
    }

    #[test]
    fn the_client_counts_only_when_both_parts_are_set() {
        let mut auth = InstanceAuth { oauth2_client_id: Some("id".into()), ..InstanceAuth::default() };
        assert_eq!(auth.oauth2_client(), None);
        auth.oauth2_client_secret = Some("s".into());
        assert_eq!(auth.oauth2_client(), Some(("id", "s")));
        assert!(!format!("{auth:?}").contains("\"s\""));
    }
}
