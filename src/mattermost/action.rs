//! Buttons and menus on message attachments (`attachments[].actions`, SPEC §11). When a user
//! clicks one, Mattermost POSTs the action's `integration.context` to `integration.url`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::wire_error::WireError;

/// An action id. Mattermost refuses an id that is not ASCII letters and digits, so one can
/// only be made through [`ActionId::new`] (or read back from JSON through the same check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ActionId(String);

impl ActionId {
    /// Checks `^[A-Za-z0-9]+$`.
    pub fn new(id: &str) -> Result<ActionId, WireError> {
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(ActionId(id.to_string()))
        } else {
            Err(WireError::ActionId(id.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ActionId {
    type Error = WireError;

    fn try_from(id: String) -> Result<ActionId, WireError> {
        ActionId::new(&id)
    }
}

impl From<ActionId> for String {
    fn from(id: ActionId) -> String {
        id.0
    }
}

/// A button or a menu on an attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostAction {
    pub id: ActionId,
    /// The button's label, or the menu's placeholder.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ActionKind,
    /// A menu's choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ActionOption>,
    /// The `value` of the choice a menu shows selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_option: Option<String>,
    pub integration: ActionIntegration,
}

impl PostAction {
    /// A button; `id` is checked.
    pub fn button(id: &str, name: &str, integration: ActionIntegration) -> Result<PostAction, WireError> {
        Ok(PostAction {
            id: ActionId::new(id)?,
            name: name.to_string(),
            kind: ActionKind::Button,
            options: Vec::new(),
            default_option: None,
            integration,
        })
    }

    /// A menu of `options`; `id` is checked. Mattermost adds the chosen `value` to the
    /// context it sends as `selected_option`.
    pub fn select(
        id: &str,
        name: &str,
        options: Vec<ActionOption>,
        integration: ActionIntegration,
    ) -> Result<PostAction, WireError> {
        Ok(PostAction { kind: ActionKind::Select, options, ..PostAction::button(id, name, integration)? })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    Button,
    Select,
}

/// A choice of a menu (and of a dialog's select or radio element): `text` shown, `value` sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOption {
    pub text: String,
    pub value: String,
}

/// Where Mattermost sends a click, and what it sends along.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionIntegration {
    pub url: String,
    /// Passes through the user's client, so anything in it must be signed (SPEC §10.4).
    #[serde(default)]
    pub context: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn integration() -> ActionIntegration {
        let context = json!({"t": "v1.x.y"}).as_object().cloned().unwrap();
        ActionIntegration { url: "https://bridge.example/mattermost/action".into(), context }
    }

    #[test]
    fn action_ids_are_ascii_letters_and_digits() {
        for good in ["transition", "share", "A1", "0"] {
            assert_eq!(ActionId::new(good).map(|id| id.as_str().to_string()), Ok(good.to_string()));
        }
        for bad in ["", "more-fields", "sub_edit", "a b", "é", "x\n"] {
            assert_eq!(ActionId::new(bad), Err(WireError::ActionId(bad.to_string())), "{bad:?}");
        }
        assert!(PostAction::button("use token", "Use a token", integration()).is_err());
        assert!(serde_json::from_value::<ActionId>(json!("no-dashes")).is_err());
    }

    #[test]
    fn a_button_and_a_menu_serialise_as_mattermost_reads_them() {
        let button = PostAction::button("share", "Share publicly", integration()).unwrap();
        assert_eq!(
            serde_json::to_value(&button).unwrap(),
            json!({"id": "share", "name": "Share publicly", "type": "button",
                   "integration": {"url": "https://bridge.example/mattermost/action", "context": {"t": "v1.x.y"}}})
        );
        let options = vec![ActionOption { text: "Done".into(), value: "31".into() }];
        let mut menu = PostAction::select("transition", "Transition", options, integration()).unwrap();
        menu.default_option = Some("31".into());
        assert_eq!(
            serde_json::to_value(&menu).unwrap(),
            json!({"id": "transition", "name": "Transition", "type": "select",
                   "options": [{"text": "Done", "value": "31"}], "default_option": "31",
                   "integration": {"url": "https://bridge.example/mattermost/action", "context": {"t": "v1.x.y"}}})
        );
    }
}
