//! Who may read what, for personal DMs: the connected Mattermost user behind a Jira user,
//! with their settings and usable credentials, and an issue's watchers read with the
//! credentials of someone close to it.

use serde_json::Value;

use super::person;
use crate::connections::credentials::Credentials;
use crate::connections::Connections;
use crate::events::model::NormalizedEvent;
use crate::jira::auth::JiraAuth;
use crate::jira::client::JiraError;
use crate::store::{NotificationSettings, StoreError};

impl Connections {
    /// The connected Mattermost user behind a Jira user, their settings and credentials
    /// (none when those cannot be used: an expired grant ends the connection there).
    pub(super) async fn recipient(
        &self,
        instance_id: &str,
        jira_user: &str,
    ) -> Option<(String, NotificationSettings, Credentials)> {
        let (store, key, instance, jira_user) =
            (self.store.clone(), self.key.clone(), instance_id.to_string(), jira_user.to_string());
        let (instance, connection) = self
            .store
            .run(move |_| -> Result<_, StoreError> {
                let Some(user) = store.mm_user_by_jira(&instance, &jira_user)? else { return Ok(None) };
                let Some(record) = store.instance(&instance)? else { return Ok(None) };
                Ok(store.connection(&instance, &user, &key)?.map(|connection| (record, connection)))
            })
            .await
            .ok()
            .flatten()?;
        match self.credentials(&instance, &connection).await {
            Ok(credentials) => Some((connection.mm_user_id, connection.settings, credentials)),
            Err(why) => {
                tracing::info!(user = %connection.mm_user_id, reason = %why, "a personal DM is skipped: no usable credentials");
                None
            }
        }
    }

    /// Display names for the people a DM's quote mentions but the payload does not name,
    /// from their connections (a DM is rendered without the admin's Jira lookup, and a
    /// connected person's name is known here).
    pub(super) async fn name_mentions(&self, instance_id: &str, parsed: &mut NormalizedEvent) {
        let references = crate::events::render::unnamed_mentions(parsed);
        if references.is_empty() {
            return;
        }
        let (store, key, instance) = (self.store.clone(), self.key.clone(), instance_id.to_string());
        let found = self
            .store
            .run(move |_| -> Result<Vec<(String, String)>, StoreError> {
                let mut names = Vec::new();
                for reference in references {
                    let jira_user = reference.strip_prefix("accountid:").unwrap_or(&reference);
                    let Some(user) = store.mm_user_by_jira(&instance, jira_user)? else { continue };
                    if let Some(connection) = store.connection(&instance, &user, &key)? {
                        names.push((reference.clone(), connection.jira.display_name));
                    }
                }
                Ok(names)
            })
            .await;
        match found {
            Ok(names) => parsed.people.extend(names.into_iter().filter(|(_, name)| !name.is_empty())),
            Err(e) => tracing::info!(error = %e, "mentioned people's names could not be read for a DM"),
        }
    }

    /// The issue's reporter and creator, which Jira Cloud's comment payloads leave out (SPEC
    /// §4.5): read with the admin's credentials, else the comment author's connection, else
    /// the assignee's. `Err` when Jira cannot be asked now (the event waits); `None` when
    /// nobody may read them.
    pub(super) async fn issue_people(
        &self,
        instance_id: &str,
        key: &str,
        payload: &Value,
    ) -> Result<Option<serde_json::Map<String, Value>>, String> {
        let mut readers = Vec::new();
        let admin = JiraAuth::admin(&self.settings.current());
        readers.extend(admin.map(|auth| Credentials { base: instance_id.to_string(), auth }));
        let (comment, fields) = (&payload["comment"], &payload["issue"]["fields"]);
        for who in [&comment["author"], &fields["assignee"]].into_iter().filter_map(person) {
            if let Some((_, _, credentials)) = self.recipient(instance_id, &who).await {
                readers.push(credentials);
            }
        }
        for Credentials { base, auth } in &readers {
            let timeout = self.jira.timeout();
            match crate::jira::issues::fields(&self.jira, (base, key), "reporter,creator", auth, timeout).await {
                Ok(found) => return Ok(Some(found)),
                // Asked again later: Jira is down, or asks to slow down.
                Err(JiraError::Unreachable(why)) => return Err(why),
                Err(e @ JiraError::RateLimited { .. }) => return Err(e.to_string()),
                Err(e) => tracing::info!(error = %e, "an issue's reporter could not be read with one credential"),
            }
        }
        Ok(None)
    }

    /// The issue's watchers, read with a connected creator, assignee or reporter's
    /// credentials, else the admin's (each tried in turn: one may not see the watchers);
    /// none when nobody can ask.
    pub(super) async fn watchers(
        &self,
        instance_id: &str,
        parsed: &NormalizedEvent,
        payload: &Value,
    ) -> Result<Vec<String>, String> {
        let fields = &payload["issue"]["fields"];
        let mut readers = Vec::new();
        for who in [&fields["creator"], &fields["assignee"], &fields["reporter"]].into_iter().filter_map(person) {
            if let Some((_, _, credentials)) = self.recipient(instance_id, &who).await {
                readers.push(credentials);
            }
        }
        let admin = JiraAuth::admin(&self.settings.current());
        readers.extend(admin.map(|auth| Credentials { base: instance_id.to_string(), auth }));
        for Credentials { base, auth } in &readers {
            match crate::jira::rest::watchers(&self.jira, base, &parsed.issue.key, auth).await {
                Ok(people) => {
                    return Ok(people
                        .iter()
                        .filter_map(|p| person(&serde_json::json!({"accountId": p.account_id, "name": p.name})))
                        .collect())
                }
                Err(JiraError::Unreachable(why)) => return Err(why),
                Err(e @ JiraError::RateLimited { .. }) => return Err(e.to_string()),
                Err(e) => tracing::info!(error = %e, "the watchers of an issue could not be read with one credential"),
            }
        }
        tracing::info!(issue = %parsed.issue.key, "nobody could read the issue's watchers; no watcher DMs");
        Ok(Vec::new())
    }
}
