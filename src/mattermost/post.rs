//! The posts jirabridge makes (`POST /api/v4/posts`, SPEC §11), as types: other modules
//! build these, and only `mattermost` turns them into JSON.
//!
//! What is empty is left out of the JSON, except where a field's comment says otherwise:
//! the JSON is what jirabridge has always sent, field for field.

use serde::{Deserialize, Serialize};

use super::action::PostAction;
use crate::ids::{ChannelId, MmUserId};

/// The prop that carries a post's delivery id, by which a post whose outcome was lost in a
/// crash is found again in its channel.
pub const DELIVERY_ID_PROP: &str = "jirabridge_delivery_id";

/// A post to create.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPost {
    /// Left out while empty: a preview shows a post before it has a channel.
    #[serde(default, skip_serializing_if = "ChannelId::is_empty")]
    pub channel_id: ChannelId,
    /// Always sent, even empty (an attachment post has no message of its own).
    #[serde(default)]
    pub message: String,
    /// `Some(id)` makes the post a reply under `id`; `Some("")` is sent as an explicit
    /// top-level post, which Mattermost reads the same as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub post_type: Option<PostType>,
    /// `None` sends no `props`; `Some` of empty props sends `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub props: Option<PostProps>,
}

impl NewPost {
    /// A post whose content is `attachments`, with no message of its own (SPEC §5.7). On a
    /// REST post they go in `props.attachments` (a command reply has them at the top level).
    pub fn with_attachments(attachments: Vec<Attachment>) -> NewPost {
        NewPost {
            post_type: Some(PostType::SlackAttachment),
            props: Some(PostProps { attachments, ..PostProps::default() }),
            ..NewPost::default()
        }
    }

    /// The props, made empty first when the post has none.
    pub fn props_mut(&mut self) -> &mut PostProps {
        self.props.get_or_insert_with(PostProps::default)
    }

    /// Reads a post body kept as JSON text: deliveries stored by jirabridge before posts
    /// were rendered at send time hold their post that way (`message`, `type`, `props`).
    /// Keys this type does not know are dropped; those versions wrote none.
    pub fn from_json(text: &str) -> Result<NewPost, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The JSON Mattermost receives, for showing a post (previews, the console).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a post serialises: every map in it has string keys")
    }
}

/// A post only `user_id` sees (`POST /api/v4/posts/ephemeral`, SPEC §11). Mattermost does
/// not keep it; the bot needs `create_post_ephemeral` to send one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EphemeralPost {
    pub user_id: MmUserId,
    /// With its `channel_id`; attachments in `props.attachments`, as in any REST post.
    pub post: NewPost,
}

/// What kind of post Mattermost shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostType {
    /// Content in `props.attachments`, shown as message attachments.
    #[serde(rename = "slack_attachment")]
    SlackAttachment,
    /// A personal DM about a mention in a Jira comment (SPEC §5.9).
    #[serde(rename = "custom_jira_mention")]
    JiraMention,
    /// A personal DM about a Jira comment (SPEC §5.9).
    #[serde(rename = "custom_jira_comment")]
    JiraComment,
}

/// The props jirabridge sets on its posts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostProps {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// See [`DELIVERY_ID_PROP`] (the field is named after it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jirabridge_delivery_id: Option<String>,
}

impl PostProps {
    /// The length of the props as JSON, in characters, as Mattermost limits it (SPEC §11:
    /// 800 000), counted while serialising, without building the text.
    pub fn json_runes(&self) -> usize {
        let mut counter = RuneCounter(0);
        serde_json::to_writer(&mut counter, self).expect("props serialise: every map in them has string keys");
        counter.0
    }
}

/// Counts the characters of the UTF-8 written to it (every byte that does not continue one).
struct RuneCounter(usize);

impl std::io::Write for RuneCounter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A message attachment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// The bar at the left, `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Shown where attachments are not (notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Above the attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretext: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_link: Option<String>,
    /// Always sent, even empty, as jirabridge's attachments always have been.
    #[serde(default)]
    pub text: String,
    /// Always sent, even empty, as `text`.
    #[serde(default)]
    pub fields: Vec<AttachmentField>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<PostAction>,
}

/// A titled value in an attachment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttachmentField {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub value: String,
    /// Shown beside another short field rather than on a line of its own.
    #[serde(default)]
    pub short: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mattermost::action::ActionIntegration;
    use serde_json::json;

    fn attachment() -> Attachment {
        Attachment {
            color: Some("#95b7d0".into()),
            fallback: Some("Ada **created** a bug".into()),
            pretext: Some("Ada **created** a bug".into()),
            text: String::new(),
            fields: vec![AttachmentField { title: "Priority".into(), value: "High".into(), short: true }],
            ..Attachment::default()
        }
    }

    #[test]
    fn attachments_go_in_props_with_the_attachment_type() {
        let mut post = NewPost::with_attachments(vec![attachment()]);
        post.channel_id = ChannelId::unchecked("c1");
        post.props_mut().jirabridge_delivery_id = Some("7".into());
        assert_eq!(
            post.to_json(),
            json!({"channel_id": "c1", "message": "", "type": "slack_attachment", "props": {
                "attachments": [{"color": "#95b7d0", "fallback": "Ada **created** a bug",
                    "pretext": "Ada **created** a bug", "text": "",
                    "fields": [{"title": "Priority", "value": "High", "short": true}]}],
                "jirabridge_delivery_id": "7"}})
        );
    }

    #[test]
    fn empty_parts_are_left_out_but_empty_props_and_root_are_sent() {
        let plain = NewPost { channel_id: ChannelId::unchecked("c1"), message: "hi".into(), ..NewPost::default() };
        assert_eq!(plain.to_json(), json!({"channel_id": "c1", "message": "hi"}));
        let top_level = NewPost { root_id: Some(String::new()), props: Some(PostProps::default()), ..plain };
        assert_eq!(top_level.to_json(), json!({"channel_id": "c1", "message": "hi", "root_id": "", "props": {}}));
    }

    #[test]
    fn the_delivery_id_prop_is_named_as_searched_for() {
        let props = PostProps { jirabridge_delivery_id: Some("9".into()), ..PostProps::default() };
        assert_eq!(serde_json::to_value(props).unwrap()[DELIVERY_ID_PROP], "9");
    }

    #[test]
    fn actions_are_sent_only_when_there_are_some() {
        let mut with_button = attachment();
        let integration = ActionIntegration { url: "https://b.example/a".into(), context: Default::default() };
        with_button.actions.push(PostAction::button("share", "Share", integration).unwrap());
        let json = serde_json::to_value(&with_button).unwrap();
        assert_eq!(json["actions"][0]["id"], "share");
        assert!(serde_json::to_value(attachment()).unwrap().get("actions").is_none());
    }

    #[test]
    fn stored_post_bodies_read_back_to_the_same_json() {
        let stored = [
            r#"{"message":"Ada **deleted** a task","props":{}}"#,
            r##"{"message":"","type":"slack_attachment","props":{"attachments":[{"color":"#95b7d0",
               "fallback":"h","pretext":"h","text":"> a comment","fields":[]}]}}"##,
        ];
        for text in stored {
            let want: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(NewPost::from_json(text).unwrap().to_json(), want);
        }
        let no_props = NewPost::from_json(r#"{"message":"m","props":null}"#).unwrap();
        assert_eq!(no_props.props, None);
        assert!(NewPost::from_json("not json").is_err());
    }

    #[test]
    fn an_ephemeral_post_wraps_a_post_for_one_user() {
        let mut post = NewPost::with_attachments(vec![attachment()]);
        post.channel_id = ChannelId::unchecked("c1");
        let ephemeral = EphemeralPost { user_id: MmUserId::unchecked("u1"), post };
        let json = serde_json::to_value(&ephemeral).unwrap();
        assert_eq!(json["user_id"], "u1");
        assert_eq!(json["post"]["channel_id"], "c1");
        assert_eq!(json["post"]["props"]["attachments"][0]["fields"][0]["value"], "High");
        assert_eq!(json.as_object().unwrap().len(), 2, "{json}");
        let notice = NewPost {
            channel_id: ChannelId::unchecked("c1"),
            message: "Shared in the channel.".into(),
            ..NewPost::default()
        };
        assert_eq!(
            serde_json::to_value(EphemeralPost { user_id: MmUserId::unchecked("u1"), post: notice }).unwrap(),
            json!({"user_id": "u1", "post": {"channel_id": "c1", "message": "Shared in the channel."}})
        );
    }

    #[test]
    fn props_are_measured_in_characters_of_their_json() {
        let mut props = PostProps::default();
        assert_eq!(props.json_runes(), 2);
        props.attachments.push(Attachment { text: "é\"".into(), ..Attachment::default() });
        let text = serde_json::to_string(&props).unwrap();
        assert_eq!(props.json_runes(), text.chars().count());
        assert!(text.len() > text.chars().count());
    }
}
