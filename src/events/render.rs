//! [`NormalizedEvent`] → the Mattermost post the plugin would make (SPEC §5.4–5.7). Pure.

use super::markup::{adf_to_markdown, wiki_to_markdown, MarkupContext};
use super::model::{or_placeholder, Change, Kind, NormalizedEvent, Text, NOBODY, NONE, NONE_STRUCK};
use super::names;
use super::untrusted::{defuse, link, quiet_mentions};
use crate::mattermost::{Attachment, AttachmentField, NewPost, PostProps};

const ATTACHMENT_COLOR: &str = "#95b7d0";
const SUMMARY_MAX: usize = 80;
const TEXT_MAX: usize = 3000;
const CHANGE_TEXT_MAX: usize = 500;
/// Mattermost refuses posts longer than this many characters (runes).
pub const POST_MESSAGE_MAX: usize = 16383;

/// Options that change what a post shows.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub hide_description_comment: bool,
    /// Appended to the headline as `Subscription: **<name>**` (subscription posts only).
    pub subscription_name: Option<String>,
}

/// A post body, before the channel and delivery id are added.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub headline: String,
    pub text: String,
    /// (title, value, short)
    pub fields: Vec<(String, String, bool)>,
}

impl Post {
    /// The Mattermost post (SPEC §5.7), without channel or delivery id: one attachment when
    /// there is text or a field, else a plain message.
    pub fn into_new_post(self) -> NewPost {
        if self.text.is_empty() && self.fields.is_empty() {
            // With an empty `props`, as these posts have always been sent.
            return NewPost { message: self.headline, props: Some(PostProps::default()), ..NewPost::default() };
        }
        let fields =
            self.fields.into_iter().map(|(title, value, short)| AttachmentField { title, value, short }).collect();
        let attachment = Attachment {
            color: Some(ATTACHMENT_COLOR.into()),
            fallback: Some(self.headline.clone()),
            pretext: Some(self.headline),
            text: self.text,
            fields,
            ..Attachment::default()
        };
        NewPost::with_attachments(vec![attachment])
    }

    /// The JSON Mattermost would receive (without `channel_id`), for previews.
    pub fn to_json(&self) -> serde_json::Value {
        self.clone().into_new_post().to_json()
    }
}

/// Renders the post for a parsed event.
pub fn render(parsed: &NormalizedEvent, options: &RenderOptions) -> Post {
    let merged = parsed.kind == Kind::Updated && parsed.changes.len() > 1;
    let mut post = Post { headline: headline(parsed, merged), text: String::new(), fields: Vec::new() };
    if merged {
        post.fields = parsed.changes.iter().map(|c| (String::new(), merged_field(c), false)).collect();
    } else {
        post.text = body_text(parsed);
        if parsed.kind == Kind::Created {
            post.fields = created_fields(parsed);
        }
    }
    if options.hide_description_comment {
        post.text.clear();
    }
    if let Some(name) = &options.subscription_name {
        post.headline.push_str(&format!("\nSubscription: **{name}**"));
    }
    untrusted_text(post)
}

/// Every string of a post may hold Jira text (SPEC §5.7), so all of them pass through one
/// place: no channel-wide mentions, and no raw markdown image or refused link in what was
/// not converted from markup (the converters defuse their own output).
fn untrusted_text(mut post: Post) -> Post {
    post.headline = quiet_mentions(&defuse(&post.headline));
    post.text = quiet_mentions(&post.text);
    for (title, value, _) in &mut post.fields {
        *title = quiet_mentions(&defuse(title));
        *value = quiet_mentions(&defuse(value));
    }
    post
}

/// `<type> [<KEY>: <summary>](<base>/browse/<KEY>)`
pub fn issue_link(parsed: &NormalizedEvent) -> String {
    let issue = &parsed.issue;
    let text = format!("{}: {}", issue.key, truncate(&issue.summary, SUMMARY_MAX));
    format!("{} {}", issue.type_name, link(&text, &issue.url()))
}

fn headline(parsed: &NormalizedEvent, merged: bool) -> String {
    let (actor, link) = (&parsed.actor, issue_link(parsed));
    match parsed.kind {
        Kind::Created => format!("{actor} **created** {link}"),
        Kind::Deleted => format!("{actor} **deleted** {link}"),
        Kind::CommentCreated => format!("{actor} **commented** on {link}"),
        Kind::CommentUpdated => format!("{actor} **edited comment** in {link}"),
        Kind::CommentDeleted => format!("{actor} **deleted comment** in {link}"),
        Kind::Updated if merged => format!("{actor} **updated** {link}"),
        Kind::Updated => change_headline(parsed, &parsed.changes[0], &link),
    }
}

fn change_headline(parsed: &NormalizedEvent, change: &Change, link: &str) -> String {
    let actor = &parsed.actor;
    match change.event.as_str() {
        names::UPDATED_REOPENED => format!("{actor} **reopened** {link}"),
        names::UPDATED_RESOLVED => format!("{actor} **resolved** {link}"),
        names::UPDATED_DESCRIPTION => format!("{actor} **edited** the description of {link}"),
        names::UPDATED_ASSIGNEE => {
            let assignee = parsed.issue.assignee.clone().unwrap_or_else(|| NOBODY.into());
            format!("{actor} **assigned** {assignee} to {link}")
        }
        names::UPDATED_ATTACHMENT => format!("{actor} {} {link}", added_removed(change, "**attached**", "attachments")),
        names::UPDATED_LABELS => format!("{actor} {} {link}", added_removed(change, "**added** labels", "labels")),
        _ => format!(
            "{actor} **updated** {} from \"{}\" to \"{}\" on {link}",
            change.field,
            or_placeholder(&change.from, NONE_STRUCK).replace('"', "\\\""),
            or_placeholder(&change.to, NONE).replace('"', "\\\"")
        ),
    }
}

/// `**added** labels [a] to, **removed** labels [b] from` with empty halves left out.
fn added_removed(change: &Change, added_verb: &str, noun: &str) -> String {
    let from: Vec<&str> = change.from.split(' ').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = change.to.split(' ').filter(|s| !s.is_empty()).collect();
    let added: Vec<&str> = to.iter().filter(|t| !from.contains(t)).copied().collect();
    let removed: Vec<&str> = from.iter().filter(|f| !to.contains(f)).copied().collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("{added_verb} [{}] to", added.join(" ")));
    }
    if !removed.is_empty() {
        parts.push(format!("**removed** {noun} [{}] from", removed.join(" ")));
    }
    parts.join(", ")
}

fn merged_field(change: &Change) -> String {
    let name = title_case(&change.field);
    if change.event == names::UPDATED_DESCRIPTION {
        let (from, to) = (truncate(&change.from, CHANGE_TEXT_MAX), truncate(&change.to, CHANGE_TEXT_MAX));
        return format!("**{name}:** \n**From:** {from}\n**To:** {to}");
    }
    let from = or_placeholder(&change.from, NONE_STRUCK);
    let from = if from.starts_with("~~") { from } else { format!("~~{from}~~") };
    format!("**{name}:** {from} {}", or_placeholder(&change.to, NONE))
}

/// A body converted to Mattermost markdown (SPEC §5.6). A mention of someone the payload
/// names shows their display name; others show the bare Jira name (no Jira lookups here:
/// rendering is pure).
fn markdown(text: &Text, issue_url: &str, people: &[(String, String)]) -> String {
    let display_name =
        |reference: &str| people.iter().find(|(known, _)| known == reference).map(|(_, name)| name.clone());
    let ctx = MarkupContext { issue_url, mention: &display_name };
    match text {
        Text::Empty => String::new(),
        Text::Wiki(wiki) => wiki_to_markdown(wiki, &ctx),
        Text::Adf(doc) => adf_to_markdown(doc, &ctx),
    }
}

/// The people the post's text mentions whom the payload does not name, as mention
/// references (`accountid:…`, or a Server user name): whose display names a lookup could add
/// to `parsed.people` before rendering. Uses the same markup readers as rendering.
pub fn unnamed_mentions(parsed: &NormalizedEvent) -> Vec<String> {
    mentions_where(parsed, |reference| !parsed.people.iter().any(|(r, _)| r == reference))
}

/// Every person the post's text mentions, as mention references, once each.
pub fn all_mentions(parsed: &NormalizedEvent) -> Vec<String> {
    mentions_where(parsed, |_| true)
}

fn mentions_where(parsed: &NormalizedEvent, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let record = |reference: &str| {
        let mut seen = seen.borrow_mut();
        if wanted(reference) && !seen.iter().any(|r| r == reference) {
            seen.push(reference.to_string());
        }
        None
    };
    let ctx = MarkupContext { issue_url: "", mention: &record };
    let texts = [Some(&parsed.issue.description), parsed.comment.as_ref().map(|c| &c.body)];
    for text in texts.into_iter().flatten() {
        match text {
            Text::Empty => {}
            Text::Wiki(wiki) => drop(wiki_to_markdown(wiki, &ctx)),
            Text::Adf(doc) => drop(adf_to_markdown(doc, &ctx)),
        }
    }
    seen.into_inner()
}

fn body_text(parsed: &NormalizedEvent) -> String {
    let issue_url = parsed.issue.url();
    let description = || truncate(&markdown(&parsed.issue.description, &issue_url, &parsed.people), TEXT_MAX);
    match parsed.kind {
        Kind::Created => description(),
        Kind::Updated if parsed.changes[0].event == names::UPDATED_DESCRIPTION => description(),
        Kind::CommentCreated | Kind::CommentUpdated => {
            let body =
                parsed.comment.as_ref().map(|c| markdown(&c.body, &issue_url, &parsed.people)).unwrap_or_default();
            truncate(&quote(&body), TEXT_MAX)
        }
        _ => String::new(),
    }
}

fn created_fields(parsed: &NormalizedEvent) -> Vec<(String, String, bool)> {
    let mut fields = Vec::new();
    if let Some(assignee) = &parsed.issue.assignee {
        fields.push(("Assignee".to_string(), assignee.clone(), true));
    }
    if let Some(priority) = &parsed.issue.priority {
        fields.push(("Priority".to_string(), priority.clone(), true));
    }
    fields
}

/// `> ` before the body and after every newline; a blank body stays empty.
pub fn quote(body: &str) -> String {
    if body.trim().is_empty() {
        return String::new();
    }
    format!("> {}", body.replace('\n', "\n> "))
}

/// Cuts to `max` characters, ending in `...` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(3)).collect();
    format!("{kept}...")
}

fn title_case(field: &str) -> String {
    field
        .split(' ')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::normalize::normalize;
    use crate::jira::webhook_fields::Webhook;

    fn headline_for(items: &str) -> String {
        let body = format!(
            r#"{{"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_updated","user":{{"displayName":"Ada"}},
            "issue":{{"id":"1","key":"A-1","self":"https://j.example/rest/api/2/issue/1","fields":{{"summary":"s","issuetype":{{"name":"Task"}}}}}},
            "changelog":{{"items":[{items}]}}}}"#
        );
        let parsed = normalize(&Webhook::parse(body.as_bytes()).unwrap()).unwrap();
        render(&parsed, &RenderOptions::default()).headline
    }

    #[test]
    fn first_label_added_and_last_removed_show_only_the_non_empty_half() {
        let link = "task [A-1: s](https://j.example/browse/A-1)";
        assert_eq!(
            headline_for(r#"{"field":"labels","fromString":"","toString":"x"}"#),
            format!("Ada **added** labels [x] to {link}")
        );
        assert_eq!(
            headline_for(r#"{"field":"labels","fromString":"x y","toString":null}"#),
            format!("Ada **removed** labels [x y] from {link}")
        );
    }

    #[test]
    fn empty_values_show_as_none_in_updates_and_merged_fields() {
        let link = "task [A-1: s](https://j.example/browse/A-1)";
        assert_eq!(
            headline_for(r#"{"field":"Fix Version","fromString":null,"toString":"2.0"}"#),
            format!("Ada **updated** Fix Version from \"~~None~~\" to \"2.0\" on {link}")
        );
        let body = r#"{"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_updated","user":{"displayName":"Ada"},
            "issue":{"id":"1","key":"A-1","self":"https://j.example/rest/api/2/issue/1","fields":{"summary":"s","issuetype":{"name":"Task"}}},
            "changelog":{"items":[{"field":"status","fromString":"Open","toString":""},{"field":"assignee","fromString":"","toString":"Bo"}]}}"#;
        let parsed = normalize(&Webhook::parse(body.as_bytes()).unwrap()).unwrap();
        let values: Vec<String> = render(&parsed, &RenderOptions::default()).fields.into_iter().map(|f| f.1).collect();
        assert_eq!(values, ["**Status:** ~~Open~~ None", "**Assignee:** ~~_nobody_~~ Bo"]);
    }

    #[test]
    fn mentions_of_people_in_the_payload_show_their_display_names() {
        let body = r#"{"webhookEvent":"comment_created","user":{"accountId":"5b10","displayName":"Ann Lee"},
            "issue":{"id":"1","key":"A-1","self":"https://j.example/rest/api/2/issue/1",
              "fields":{"summary":"s","issuetype":{"name":"Bug"},"assignee":{"name":"bob","displayName":"Bob Roe"}}},
            "comment":{"id":"7","body":"[~accountid:5b10] and [~bob], not [~accountid:77ff]","author":{"accountId":"5b10","displayName":"Ann Lee"}}}"#;
        let parsed = normalize(&Webhook::parse(body.as_bytes()).unwrap()).unwrap();
        let text = render(&parsed, &RenderOptions::default()).text;
        assert!(text.contains("Ann Lee and Bob Roe, not 77ff"), "{text}");
        assert_eq!(unnamed_mentions(&parsed), ["accountid:77ff"]);
    }

    #[test]
    fn comment_bodies_are_quoted_and_cut() {
        assert_eq!(quote("a\nb"), "> a\n> b");
        assert_eq!(quote("  "), "");
        assert_eq!(truncate("héllo wörld", 8), "héllo...");
    }
}
