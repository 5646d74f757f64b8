//! Installing and removing Jira instances from chat (SPEC §7, §9.3): `install server` adds
//! the instance (with its install check) and answers the Application Link steps with the
//! consumer key and the PEM public key; `install cloud-oauth` adds it and opens the form
//! "Jira Cloud OAuth" (SPEC's "Configure Jira Cloud OAuth" is too long) for the client id and secret, showing the redirect URL;
//! `uninstall` ends every user's connection to the instance and removes it (subscriptions
//! are kept, inactive).

use serde_json::{Map, Value};

use super::Connections;
use crate::commands::jira_ops::{Answer, Caller, Outcome};
use crate::commands::parse::InstallKind;
use crate::commands::signed::SignedState;
use crate::instances::{self, oauth, InstanceContext, InstanceError, NewInstance};
use crate::jira::instance::{normalize_url, InstanceType};
use crate::mattermost::dialog::{DialogElement, TextSubtype};
use crate::store::records::InstanceRecordV1;
use crate::utc::now_ms;

/// The form's op.
pub(super) const OAUTH_CLIENT: &str = "oauthclient";

impl Connections {
    fn instance_context(&self, caller: &Caller) -> InstanceContext {
        let (store, jira, key) = (self.store.clone(), self.jira.clone(), self.key.clone());
        InstanceContext::new(store, jira, &self.settings.current(), key, &format!("mm:{}", caller.user_id))
    }

    /// `install server|cloud-oauth <url>`: the instance is added (or found, when it was
    /// already), then the next step for the admin.
    pub(super) async fn install(&self, caller: &Caller, kind: InstallKind, url: &str) -> Answer {
        let wanted = match kind {
            InstallKind::Server => InstanceType::Server,
            _ => InstanceType::Cloud,
        };
        let request = NewInstance { url: url.to_string(), instance_type: Some(wanted), alias: None };
        let (instance, added) = match instances::add(&self.instance_context(caller), request, false, now_ms()).await {
            Ok(instance) => (instance, true),
            Err(InstanceError::Exists(_)) => match self.existing(url).await {
                Some(instance) => (instance, false),
                None => return "jirabridge could not read that Jira instance; please try again.".into(),
            },
            Err(e) => return format!("Failed to install the Jira instance: {e}").into(),
        };
        let id = instance.id.to_string();
        let first = if added {
            format!("Jira instance {id} is added.")
        } else {
            format!("Jira instance {id} is already installed.")
        };
        match wanted {
            InstanceType::Server => match self.consumer(&id).await {
                Ok(consumer) => match consumer.key.public_pem() {
                    Ok(pem) => {
                        format!("{first} {}", oauth::application_link_steps(&id, &consumer.consumer_key, &pem)).into()
                    }
                    Err(e) => format!("{first} Its public key could not be shown: {e}").into(),
                },
                Err(why) => format!("{first} {why}").into(),
            },
            InstanceType::Cloud => self.oauth_client_form(caller, &id, &first).await,
        }
    }

    async fn existing(&self, url: &str) -> Option<InstanceRecordV1> {
        let (store, id) = (self.store.clone(), normalize_url(url).ok()?);
        self.store.run(move |_| store.instance(&id)).await.ok().flatten()
    }

    /// The form for a Cloud instance's OAuth 2.0 client.
    async fn oauth_client_form(&self, caller: &Caller, instance_id: &str, first: &str) -> Answer {
        let redirect = oauth::oauth2_redirect_url(&self.settings.current().public_base_url(), instance_id);
        let mut client_id = DialogElement::text("client_id", "Client ID");
        client_id.max_length = Some(200);
        let mut secret = DialogElement::text("client_secret", "Client secret");
        secret.subtype = Some(TextSubtype::Password);
        secret.max_length = Some(500);
        let introduction = format!(
            "{first} Create an OAuth 2.0 (3LO) app at https://developer.atlassian.com/console/myapps/ with the \
             callback URL {redirect} and the Jira API scopes, then enter its client ID and secret."
        );
        // SPEC §9.3 names it "Configure Jira Cloud OAuth": 26 bytes, Mattermost allows 24 (§11);
        // issue 16 decided "Jira Cloud OAuth".
        let parts = (("Jira Cloud OAuth", "Save"), vec![client_id, secret]);
        let opened = self
            .open_form_with(
                caller,
                parts,
                OAUTH_CLIENT,
                (Some(instance_id.to_string()), Map::new()),
                Some(&introduction),
            )
            .await;
        if opened.text.is_empty() {
            return opened;
        }
        format!(
            "{first} Set its OAuth client id and secret in the admin console (callback URL {redirect}). {}",
            opened.text
        )
        .into()
    }

    /// The form's submission: the client is stored (sealed).
    pub(super) async fn oauth_client_submitted(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let (client_id, secret) = (super::form_text(values, "client_id"), super::form_text(values, "client_secret"));
        let mut missing = std::collections::BTreeMap::new();
        for (name, value, sentence) in
            [("client_id", &client_id, "Enter the client ID."), ("client_secret", &secret, "Enter the client secret.")]
        {
            if value.is_empty() {
                missing.insert(name.to_string(), sentence.to_string());
            }
        }
        if !missing.is_empty() {
            return Outcome::Invalid(missing);
        }
        let Some(instance_id) = state.iid.clone() else {
            return Outcome::Failed("This form names no Jira instance.".into());
        };
        let (store, key, actor, id) =
            (self.store.clone(), self.key.clone(), format!("mm:{}", caller.user_id), instance_id.clone());
        let saved = self
            .store
            .run(move |_| instances::set_oauth2_client(&store, &key, &id, Some(client_id), Some(secret), &actor))
            .await;
        match saved {
            Ok(_) => {
                // A closed form shows nothing: the admin hears it where they ran the command.
                let ready =
                    format!("Jira instance {instance_id} is ready: users can run `/jira connect {instance_id}`.");
                self.reply_later(caller, state.rurl.as_deref(), &ready, "that the instance is ready").await;
                Outcome::Done(ready)
            }
            Err(e) => Outcome::Failed(format!("The OAuth client could not be saved: {e}")),
        }
    }

    /// `uninstall <server|cloud-oauth|cloud> <url>` (SPEC §7.4).
    pub(super) async fn uninstall(&self, caller: &Caller, kind: &str, url: &str) -> String {
        let (store, wanted) = (self.store.clone(), url.to_string());
        let instance = match self.store.run(move |_| crate::commands::admin::named_instance(&store, &wanted)).await {
            Ok(Ok(instance)) => instance,
            Ok(Err(sentence)) => return sentence,
            Err(e) => return format!("Failed to uninstall the Jira instance. Error: {e}"),
        };
        let asked = match kind {
            "server" => Some(InstanceType::Server),
            "cloud" | "cloud-oauth" => Some(InstanceType::Cloud),
            _ => None,
        };
        let id = instance.id.to_string();
        if asked != Some(instance.instance_type) {
            let stored = match instance.instance_type {
                InstanceType::Server => "server",
                InstanceType::Cloud => "cloud",
            };
            return format!("{kind} did not match instance {id} type {stored}");
        }
        let (store, removed_id, actor, base) = (
            self.store.clone(),
            id.clone(),
            format!("mm:{}", caller.user_id),
            self.settings.current().public_base_url(),
        );
        let removed = self.store.run(move |_| instances::remove(&store, &removed_id, &actor, &base)).await;
        match removed {
            Ok(_) => {
                self.forget_instance(&id);
                let manage = match instance.instance_type {
                    InstanceType::Server => format!("{id}/plugins/servlet/applinks/listApplicationLinks"),
                    InstanceType::Cloud => "https://developer.atlassian.com/console/myapps/".to_string(),
                };
                format!(
                    "Jira instance successfully uninstalled. Navigate to [**your app management URL**]({manage}) in order to \
                     remove the application from your Jira instance.\nDon't forget to remove Jira-side webhook in \
                     [Jira System Settings/Webhooks]({id}/plugins/servlet/webhooks)"
                )
            }
            Err(e) => format!("Failed to uninstall the Jira instance. Error: {e}"),
        }
    }
}
