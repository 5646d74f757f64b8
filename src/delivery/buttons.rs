//! Buttons on notifications (issue 16 point 7): subscription posts and personal DMs get
//! **Assign to me**, **Comment** and **Transition** when they are sent, not when they are
//! rendered, so `render` and the stored events stay as they are. Legacy webhook posts never
//! get them. What the buttons are, and whether there are any (the setting, push-only mode, a
//! public URL to come back to), is for [`PostButtons`] to say; `connections` makes them.

use crate::ids::ChannelId;
use crate::mattermost::action::PostAction;
use crate::mattermost::post::{Attachment, NewPost};
use crate::store::records::{DeliveryRecordV1, PostRecordV1};

/// Makes the buttons of a post about one issue.
pub trait PostButtons: Send + Sync {
    /// The buttons for a post in `channel_id` about `issue_key` of `instance_id`; none when
    /// there should be none now.
    fn actions(&self, instance_id: &str, issue_key: &str, channel_id: &ChannelId) -> Vec<PostAction>;
}

/// Whether a delivery is a notification that may carry buttons: a subscription post or a
/// personal DM (stored ready), never a legacy webhook post.
pub fn wanted(record: &DeliveryRecordV1) -> bool {
    matches!(&record.post, PostRecordV1::FromEvent { subscription_name: Some(_) } | PostRecordV1::Json(_))
}

/// The instance and issue key of an issue URL (`<instance>/browse/<KEY>`).
pub fn issue_of(issue_url: &str) -> Option<(&str, &str)> {
    let (instance, key) = issue_url.rsplit_once("/browse/")?;
    (!instance.is_empty() && !key.is_empty() && !key.contains('/')).then_some((instance, key))
}

/// Adds `actions` to the post's last attachment, or to a new one when it has none (the
/// message stays the headline).
pub fn add(post: &mut NewPost, actions: Vec<PostAction>) {
    if actions.is_empty() {
        return;
    }
    let attachments = &mut post.props_mut().attachments;
    match attachments.last_mut() {
        Some(last) => last.actions.extend(actions),
        None => attachments.push(Attachment { actions, ..Attachment::default() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mattermost::action::ActionIntegration;

    #[test]
    fn the_issue_comes_from_its_url() {
        assert_eq!(issue_of("https://jira.example.com/browse/DEMO-1"), Some(("https://jira.example.com", "DEMO-1")));
        assert_eq!(
            issue_of("https://jira.example.com/x/browse/DEMO-1"),
            Some(("https://jira.example.com/x", "DEMO-1"))
        );
        assert_eq!(issue_of("https://jira.example.com/projects/DEMO"), None);
        assert_eq!(issue_of(""), None);
    }

    #[test]
    fn subscription_posts_and_dms_get_buttons_legacy_posts_do_not() {
        let record = |post| {
            let mut record = DeliveryRecordV1::new_pending(
                crate::store::records::TargetRecordV1::ChannelId(ChannelId::unchecked("c")),
                "ch:c".into(),
                post,
                String::new(),
                None,
                0,
            );
            record.event_id = 1;
            record
        };
        assert!(wanted(&record(PostRecordV1::FromEvent { subscription_name: Some("all".into()) })));
        assert!(wanted(&record(PostRecordV1::Json("{}".into()))), "a personal DM");
        assert!(!wanted(&record(PostRecordV1::FromEvent { subscription_name: None })), "a legacy webhook post");
    }

    #[test]
    fn buttons_join_the_last_attachment_or_make_one() {
        let button = || {
            PostAction::button(
                "assignme",
                "Assign to me",
                ActionIntegration { url: String::new(), context: Default::default() },
            )
            .unwrap()
        };
        let mut headline = NewPost { message: "created DEMO-1".into(), ..NewPost::default() };
        add(&mut headline, vec![button()]);
        assert_eq!(headline.props_mut().attachments.len(), 1);
        assert_eq!(headline.message, "created DEMO-1");
        add(&mut headline, vec![button()]);
        assert_eq!(headline.props_mut().attachments[0].actions.len(), 2);
        add(&mut headline, Vec::new());
        assert_eq!(headline.props_mut().attachments.len(), 1);
    }
}
