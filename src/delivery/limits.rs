//! Keeps a post within Mattermost's limits (16383-rune message, 800 000-rune props), so a
//! long Jira text never turns into a refused, dead delivery.

use serde_json::Value;

use crate::events::render::POST_MESSAGE_MAX;
use crate::events::untrusted::link;

const PROPS_MAX: usize = 800_000;
const ATTACHMENT_TEXT_CUT: usize = 3000;

/// Shortens the message (and, if needed, attachment texts) and appends a link to the issue.
pub fn fit(post: &mut Value, issue_url: &str) {
    let suffix = format!("\n\n… {}", link("Read the rest in Jira", issue_url));
    if let Some(message) = post.get("message").and_then(Value::as_str) {
        if message.chars().count() > POST_MESSAGE_MAX {
            let keep = POST_MESSAGE_MAX.saturating_sub(suffix.chars().count());
            let cut: String = message.chars().take(keep).collect();
            post["message"] = Value::String(cut + &suffix);
        }
    }
    let props_len = post.get("props").map(|p| p.to_string().chars().count()).unwrap_or(0);
    if props_len > PROPS_MAX {
        shorten_attachment_texts(post, &suffix);
    }
}

fn shorten_attachment_texts(post: &mut Value, suffix: &str) {
    let Some(Value::Array(attachments)) = post.pointer_mut("/props/attachments") else {
        if let Some(props) = post.get_mut("props") {
            *props = serde_json::json!({});
        }
        return;
    };
    for attachment in attachments {
        for key in ["text", "pretext", "fallback"] {
            if let Some(Value::String(text)) = attachment.get_mut(key) {
                if text.chars().count() > ATTACHMENT_TEXT_CUT {
                    *text = text.chars().take(ATTACHMENT_TEXT_CUT).collect::<String>() + suffix;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_message_is_cut_to_the_limit_with_a_link() {
        let mut post = json!({"message": "é".repeat(20_000)});
        fit(&mut post, "https://jira.example.com/browse/A-1");
        let message = post["message"].as_str().unwrap();
        assert_eq!(message.chars().count(), POST_MESSAGE_MAX);
        assert!(message.ends_with("(https://jira.example.com/browse/A-1)"));
    }

    #[test]
    fn an_issue_url_that_is_not_http_is_named_not_linked() {
        let mut post = json!({"message": "x".repeat(20_000)});
        fit(&mut post, "javascript:alert(1)");
        assert!(post["message"].as_str().unwrap().ends_with("… Read the rest in Jira (javascript:alert(1))"));
    }

    #[test]
    fn short_message_is_untouched() {
        let mut post = json!({"message": "hello"});
        fit(&mut post, "u");
        assert_eq!(post["message"], "hello");
    }

    #[test]
    fn huge_attachment_text_is_cut() {
        let mut post = json!({"message": "", "props": {"attachments": [{"text": "x".repeat(900_000)}]}});
        fit(&mut post, "u");
        assert!(post["props"].to_string().len() < PROPS_MAX);
    }
}
