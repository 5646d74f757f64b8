//! What Mattermost sends when a user submits a dialog, clicks a button or types into a
//! dynamic select, and what it takes back (SPEC §11). None of these requests is signed;
//! `user_id` and `channel_id` are set by the server, while `state` and `context` come
//! through the user's client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `POST <dialog url>`: a submitted (or cancelled) dialog.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DialogSubmission {
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub callback_id: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub channel_id: String,
    /// Empty in direct and group messages.
    #[serde(default)]
    pub team_id: String,
    /// Values may be strings, booleans, numbers, null or absent (and the whole map null when
    /// the dialog was cancelled).
    #[serde(default)]
    pub submission: Option<Map<String, Value>>,
    #[serde(default)]
    pub cancelled: bool,
}

/// The answer to a dialog submission: `{}`, field errors, or one error for the whole form.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DialogReply {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DialogReply {
    pub fn done() -> DialogReply {
        DialogReply::default()
    }

    pub fn error(sentence: impl Into<String>) -> DialogReply {
        DialogReply { error: Some(sentence.into()), ..DialogReply::default() }
    }

    pub fn field_errors(errors: BTreeMap<String, String>) -> DialogReply {
        DialogReply { errors, ..DialogReply::default() }
    }
}

/// `POST <action url>`: a button click or a select choice on a post.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionRequest {
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub user_name: String,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub channel_name: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub team_domain: String,
    #[serde(default)]
    pub post_id: String,
    #[serde(default)]
    pub trigger_id: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    /// What the action's integration carried, plus `selected_option` for a select.
    #[serde(default)]
    pub context: Map<String, Value>,
}

/// The answer to a click: a line only the clicker sees, and, when set, the clicked post as
/// it should now read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActionReply {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<PostUpdate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_text: Option<String>,
    /// Mattermost would otherwise read Slack-style markup in the text.
    pub skip_slack_parsing: bool,
}

/// The clicked post's new props (its message is kept).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostUpdate {
    pub props: super::post::PostProps,
}

impl ActionReply {
    pub fn ephemeral(text: impl Into<String>) -> ActionReply {
        ActionReply { update: None, ephemeral_text: Some(text.into()), skip_slack_parsing: true }
    }

    /// `text` for the clicker, and the clicked post's attachments replaced by `attachments`.
    pub fn updated(text: impl Into<String>, attachments: Vec<super::post::Attachment>) -> ActionReply {
        let props = super::post::PostProps { attachments, ..Default::default() };
        ActionReply { update: Some(PostUpdate { props }), ..ActionReply::ephemeral(text) }
    }
}

/// `POST <lookup url>`: what a user typed into a dynamic select. Mattermost sends the
/// dialog's request shape (`type: "dialog_lookup"`), the typed text as `submission.query`
/// and the element as `submission.selected_field`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LookupRequest {
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub channel_id: String,
    #[serde(default)]
    pub team_id: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub submission: serde_json::Map<String, serde_json::Value>,
}

impl LookupRequest {
    /// What the user typed so far.
    pub fn query(&self) -> &str {
        self.submission.get("query").and_then(serde_json::Value::as_str).unwrap_or_default()
    }
}

/// The options a dynamic select shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LookupReply {
    pub items: Vec<LookupItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LookupItem {
    pub text: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replies_have_mattermosts_shapes() {
        assert_eq!(serde_json::to_value(DialogReply::done()).unwrap(), json!({}));
        assert_eq!(serde_json::to_value(DialogReply::error("No.")).unwrap(), json!({"error": "No."}));
        let fields = DialogReply::field_errors(BTreeMap::from([("summary".to_string(), "Too long.".to_string())]));
        assert_eq!(serde_json::to_value(fields).unwrap(), json!({"errors": {"summary": "Too long."}}));
        assert_eq!(
            serde_json::to_value(ActionReply::ephemeral("Done.")).unwrap(),
            json!({"ephemeral_text": "Done.", "skip_slack_parsing": true})
        );
    }

    #[test]
    fn a_submission_takes_values_of_any_type() {
        let body = json!({"type": "dialog_submission", "callback_id": "c", "state": "s", "user_id": "u",
            "channel_id": "ch", "team_id": "", "submission": {"a": "x", "b": true, "c": 3, "d": null}, "cancelled": false});
        let submission: DialogSubmission = serde_json::from_value(body).unwrap();
        assert_eq!(submission.submission.map(|s| s.len()), Some(4));
        assert!(!submission.cancelled);
    }
}
