//! Keeps a post within Mattermost's limits (16383-rune message, 800 000-rune props), so a
//! long Jira text never turns into a refused, dead delivery.

use crate::events::render::POST_MESSAGE_MAX;
use crate::events::untrusted::link;
use crate::mattermost::{Attachment, NewPost};

const PROPS_MAX: usize = 800_000;
const ATTACHMENT_TEXT_CUT: usize = 3000;

/// Shortens the message (and, if needed, attachment texts) and appends a link to the issue.
pub fn fit(post: &mut NewPost, issue_url: &str) {
    let suffix = format!("\n\n… {}", link("Read the rest in Jira", issue_url));
    if post.message.chars().count() > POST_MESSAGE_MAX {
        let keep = POST_MESSAGE_MAX.saturating_sub(suffix.chars().count());
        let cut: String = post.message.chars().take(keep).collect();
        post.message = cut + &suffix;
    }
    // Only attachments can make props long: the other props are short ids.
    if let Some(props) = &mut post.props {
        if props.json_runes() > PROPS_MAX {
            shorten_attachment_texts(&mut props.attachments, &suffix);
        }
    }
}

fn shorten_attachment_texts(attachments: &mut [Attachment], suffix: &str) {
    for attachment in attachments {
        let texts = [Some(&mut attachment.text), attachment.pretext.as_mut(), attachment.fallback.as_mut()];
        for text in texts.into_iter().flatten() {
            if text.chars().count() > ATTACHMENT_TEXT_CUT {
                *text = text.chars().take(ATTACHMENT_TEXT_CUT).collect::<String>() + suffix;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: String) -> NewPost {
        NewPost { message: text, ..NewPost::default() }
    }

    #[test]
    fn long_message_is_cut_to_the_limit_with_a_link() {
        let mut post = message("é".repeat(20_000));
        fit(&mut post, "https://jira.example.com/browse/A-1");
        assert_eq!(post.message.chars().count(), POST_MESSAGE_MAX);
        assert!(post.message.ends_with("(https://jira.example.com/browse/A-1)"));
    }

    #[test]
    fn an_issue_url_that_is_not_http_is_named_not_linked() {
        let mut post = message("x".repeat(20_000));
        fit(&mut post, "javascript:alert(1)");
        assert!(post.message.ends_with("… Read the rest in Jira (javascript:alert(1))"));
    }

    #[test]
    fn short_message_is_untouched() {
        let mut post = message("hello".into());
        fit(&mut post, "u");
        assert_eq!(post.message, "hello");
    }

    #[test]
    fn huge_attachment_text_is_cut() {
        let huge = Attachment { text: "x".repeat(900_000), ..Attachment::default() };
        let mut post = NewPost::with_attachments(vec![huge]);
        fit(&mut post, "u");
        assert!(post.props.unwrap().json_runes() < PROPS_MAX);
    }
}
