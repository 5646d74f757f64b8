//! Ending connections (SPEC §8.5: subscriptions are kept; a picker when several) and
//! choosing the default instance (§9.3).

use serde_json::{Map, Value};

use super::connect::{DISCONNECT_PICK, NOT_CONNECTED_ANYWHERE};
use super::Connections;
use crate::commands::jira_ops::{Caller, Outcome};
use crate::commands::signed::SignedState;
use crate::mattermost::action::ActionOption;
use crate::mattermost::dialog::DialogElement;
use crate::store::StoreError;

impl Connections {
    /// The disconnect picker's submission: the chosen connection ends; the result goes to
    /// the command's response URL (the form just closes).
    pub(super) async fn disconnect_picked(
        &self,
        caller: &Caller,
        state: &SignedState,
        values: &Map<String, Value>,
    ) -> Outcome {
        let picked = values.get("instance").and_then(Value::as_str).unwrap_or_default().to_string();
        if !self.connected_instances(&caller.user_id).contains(&picked) {
            return Outcome::Invalid([("instance".to_string(), "Choose one of your connections.".to_string())].into());
        }
        let said = self.disconnect(caller, Some(picked)).await;
        self.reply_later(caller, state.rurl.as_deref(), &said, "that a connection ended").await;
        Outcome::Done(said)
    }

    /// `/jira disconnect [url]` (SPEC §8.5): subscriptions are kept.
    pub(super) async fn disconnect(&self, caller: &Caller, named: Option<String>) -> String {
        let connected = self.connected_instances(&caller.user_id);
        if connected.is_empty() {
            return NOT_CONNECTED_ANYWHERE.into();
        }
        let instance_id = match named {
            Some(reference) => {
                let store = self.store.clone();
                let wanted = reference.clone();
                match self.store.run(move |_| crate::commands::admin::named_instance(&store, &wanted)).await {
                    Ok(Ok(found)) if connected.iter().any(|c| c == found.id.as_str()) => found.id.to_string(),
                    Ok(_) => return format!("You do not currently have a Jira account at {reference} linked to your Mattermost account. Please use `/jira connect` to connect your account."),
                    Err(e) => return format!("Could not complete the **disconnection** request. Error: {e}"),
                }
            }
            None => match connected.as_slice() {
                [only] => only.clone(),
                several => {
                    let options = several.iter().map(|i| ActionOption { text: i.clone(), value: i.clone() }).collect();
                    let elements = vec![DialogElement::select("instance", "Jira instance", options)];
                    let title = ("Disconnect Jira", "Disconnect");
                    let opened = self.open_form(caller, title, elements, DISCONNECT_PICK, (None, Map::new()));
                    return opened.await.text;
                }
            },
        };
        let (store, user, id) = (self.store.clone(), caller.user_id.clone(), instance_id.clone());
        // A disconnect forgets the user's choices too, those an expired grant left included.
        let disconnect = move |_: &crate::store::Store| {
            let removed = store.remove_connection(&id, &user)?;
            store.forget_expired_choices(&id, &user)?;
            Ok::<_, crate::store::StoreError>(removed)
        };
        match self.store.run(disconnect).await {
            Ok(removed) => {
                self.forget(&caller.user_id, &instance_id);
                let name = removed.map(|jira| super::issues::safe(&jira.display_name)).unwrap_or_default();
                format!("You have successfully disconnected your Jira account (**{name}**).")
            }
            Err(e) => format!("Could not complete the **disconnection** request. Error: {e}"),
        }
    }

    /// `/jira instance default <url>` (SPEC §9.3).
    pub(super) async fn set_default(&self, caller: &Caller, named: Option<String>) -> String {
        let Some(reference) = named else { return "Please specify the Jira instance URL".into() };
        let failed = |e: &str| format!("Could not complete the **default instance** request. Error: {e}");
        let (store, user) = (self.store.clone(), caller.user_id.clone());
        let outcome = self
            .store
            .run(move |_| -> Result<Result<String, String>, StoreError> {
                let instance = match crate::commands::admin::named_instance(&store, &reference)? {
                    Ok(instance) => instance,
                    Err(sentence) => return Ok(Err(sentence)),
                };
                let id = instance.id.to_string();
                match store.set_default_instance(&user, &id)? {
                    true => Ok(Ok(id)),
                    false => Ok(Err(format!("you are not connected to {id}"))),
                }
            })
            .await;
        match outcome {
            Ok(Ok(id)) => format!("You have successfully set a default instance for your Jira account (**{id}**)."),
            Ok(Err(why)) => failed(&why),
            Err(e) => failed(&e.to_string()),
        }
    }
}
