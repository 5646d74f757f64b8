//! The reply to a slash command (SPEC §9.1, §11): a `CommandResponse`, given as the answer to
//! Mattermost's request or sent later to its `response_url`.

use serde::Serialize;

use super::post::Attachment;

/// A slash command's reply (the fields jirabridge uses).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandResponse {
    pub response_type: ResponseType,
    /// Always sent, even empty.
    pub text: String,
    /// At the top level here; a REST post has them in `props.attachments` (SPEC §11).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Set: Mattermost would otherwise also read Slack-style markup (`<url|text>` links) in
    /// `text` and attachments, which `events::untrusted` does not check.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skip_slack_parsing: bool,
    /// A URL or path the user's client opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goto_location: Option<String>,
}

impl CommandResponse {
    /// A reply only the user who ran the command sees, as every `/jira` reply is (SPEC §9.1).
    pub fn ephemeral(text: impl Into<String>) -> CommandResponse {
        CommandResponse {
            response_type: ResponseType::Ephemeral,
            text: text.into(),
            attachments: Vec::new(),
            skip_slack_parsing: true,
            goto_location: None,
        }
    }

    pub fn with_attachments(mut self, attachments: Vec<Attachment>) -> CommandResponse {
        self.attachments = attachments;
        self
    }
}

/// Who sees a command's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseType {
    /// Only the user who ran the command.
    Ephemeral,
    /// Everyone in the channel, as a post by that user.
    InChannel,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mattermost::post::AttachmentField;
    use serde_json::json;

    #[test]
    fn a_reply_is_ephemeral_and_skips_slack_parsing() {
        let reply = CommandResponse::ephemeral("Please specify an issue key.");
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            json!({"response_type": "ephemeral", "text": "Please specify an issue key.", "skip_slack_parsing": true})
        );
        let shared = CommandResponse { response_type: ResponseType::InChannel, ..reply };
        assert_eq!(serde_json::to_value(&shared).unwrap()["response_type"], "in_channel");
    }

    #[test]
    fn attachments_are_at_the_top_level_not_in_props() {
        let attachment = Attachment {
            fallback: Some("KT-7: Crash".into()),
            text: "[KT-7: Crash (Open)](https://jira.example/browse/KT-7)".into(),
            fields: vec![AttachmentField { title: "Assignee".into(), value: "Ada".into(), short: true }],
            ..Attachment::default()
        };
        let reply = CommandResponse::ephemeral("").with_attachments(vec![attachment]);
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            json!({"response_type": "ephemeral", "text": "", "skip_slack_parsing": true, "attachments": [{
                "fallback": "KT-7: Crash", "text": "[KT-7: Crash (Open)](https://jira.example/browse/KT-7)",
                "fields": [{"title": "Assignee", "value": "Ada", "short": true}]}]})
        );
    }
}
