//! Untrusted Jira text: the rules on their own, then every place Jira text lands in a post,
//! through `normalize` and `render`, checked on what the channel would read.

use serde_json::{json, Value};

use super::{autolink, defuse, link, quiet_mentions};
use crate::events::normalize::normalize;
use crate::events::render::{render, RenderOptions};
use crate::jira::webhook_fields::Webhook;

/// Runs every case and reports all mismatches at once.
fn check(cases: &[(&str, &str)], convert: impl Fn(&str) -> String) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(input, expected)| {
            let got = convert(input);
            (got != expected).then(|| format!("input:    {input:?}\nexpected: {expected:?}\ngot:      {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn channel_wide_mentions_get_a_word_joiner() {
    check(
        &[
            ("@all", "@\u{2060}all"),
            ("ping @here now", "ping @\u{2060}here now"),
            ("@ALL and @Channel and @hErE", "@\u{2060}ALL and @\u{2060}Channel and @\u{2060}hErE"),
            ("(@here), @all. @channel!", "(@\u{2060}here), @\u{2060}all. @\u{2060}channel!"),
            ("line\n@here", "line\n@\u{2060}here"),
            ("**@all**", "**@\u{2060}all**"),
            ("`@here`", "`@\u{2060}here`"),
            ("@@all", "@@\u{2060}all"),
            ("@here-team @here_x @here.", "@\u{2060}here-team @\u{2060}here_x @\u{2060}here."),
            ("@\u{2060}all", "@\u{2060}all"),
        ],
        quiet_mentions,
    );
}

#[test]
fn other_names_and_addresses_stay_as_they_are() {
    let same = [
        "@allison @channels @here2 @hereby",
        "ops@here.com, team@all.example, x_@all",
        "é@all 1@here",
        "@bob and @john.smith",
        "@ al l",
        "@",
        "",
        "@allé @hereß",
    ];
    let pairs: Vec<(&str, &str)> = same.iter().map(|s| (*s, *s)).collect();
    check(&pairs, quiet_mentions);
}

#[test]
fn links_keep_only_http_https_and_mailto_urls() {
    check(
        &[
            ("https://x.io", "[t](https://x.io)"),
            ("HTTP://x.io", "[t](HTTP://x.io)"),
            ("mailto:a@b.example", "[t](mailto:a@b.example)"),
            ("javascript:alert(1)", "t (javascript:alert(1))"),
            ("jav\tascript:x", "t (jav\tascript:x)"),
            ("data:text/html,x", "t (data:text/html,x)"),
            ("file:///etc/passwd", "t (file:///etc/passwd)"),
            ("//evil.example/x", "t (//evil.example/x)"),
            ("http:x", "t (http:x)"),
            ("", "t"),
        ],
        |url| link("t", url),
    );
    assert_eq!(link("javascript:x", "javascript:x"), "javascript:x");
    assert_eq!(link("", "data:x"), "data:x");
    assert_eq!(autolink("https://x.io"), "<https://x.io>");
    assert_eq!(autolink("file:///x"), "file:///x");
}

#[test]
fn raw_markdown_images_and_refused_links_are_escaped() {
    check(
        &[
            ("![x](http://internal/pixel.png)", "\\![x](http://internal/pixel.png)"),
            ("a ![x][1] b", "a \\![x][1] b"),
            ("\\![x](https://a.io)", "\\![x](https://a.io)"),
            ("\\\\![x](https://a.io)", "\\\\\\![x](https://a.io)"),
            ("[x](javascript:alert(1))", "[x]\\(javascript:alert(1))"),
            ("[x](\n  vbscript:y)", "[x]\\(\n  vbscript:y)"),
            ("[x](<https://a.io>) [y](MAILTO:a@b)", "[x](<https://a.io>) [y](MAILTO:a@b)"),
            ("[x]\\(javascript:y)", "[x]\\(javascript:y)"),
            ("[x\\](javascript:y)", "[x\\](javascript:y)"),
            ("[a]: javascript:x", "[a]\\: javascript:x"),
            ("> 1. [a]:\n<data:x>", "> 1. [a]\\:\n\\<data:x>"),
            ("x [a]: javascript:y", "x [a]: javascript:y"),
            ("<file:///etc/passwd>", "\\<file:///etc/passwd>"),
            ("<https://a.io> <a@b.example> <x:y z> <b> a<b", "<https://a.io> <a@b.example> <x:y z> <b> a<b"),
            ("\u{FDD0}`![x](y)`\u{FDD1}", "`\\![x]\\(y)`"),
            ("Wow! [x] (y) ! [z]", "Wow! [x] (y) ! [z]"),
        ],
        defuse,
    );
}

#[test]
fn long_hostile_text_is_read_in_one_pass() {
    // Each would take minutes if a check looked back over the line or ahead over the text.
    let texts = [
        "-".repeat(200_000) + &"[a]:".repeat(100_000),
        "<ab:".repeat(100_000),
        "](".repeat(100_000) + &" ".repeat(100_000),
        "\\".repeat(200_000) + &"<".repeat(100_000),
        "@".repeat(200_000) + "all",
    ];
    for text in &texts {
        assert!(defuse(text).len() >= text.len());
        assert!(quiet_mentions(text).len() >= text.len());
    }
}

fn fields() -> Value {
    json!({"summary": "Disk full", "issuetype": {"name": "Bug"}, "description": "Logs attached.",
           "priority": {"name": "High"}, "assignee": {"name": "bob", "displayName": "Bo Diddley"}})
}

fn payload(webhook_event: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut body = json!({
        "webhookEvent": webhook_event, "user": {"displayName": "Ada"},
        "issue": {"id": "1", "key": "A-1", "self": "https://j.example/rest/api/2/issue/1", "fields": fields()},
    });
    edit(&mut body);
    body
}

fn set(body: &mut Value, pointer: &str, value: Value) {
    *body.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} not in the payload")) = value;
}

fn created(pointer: &str, value: Value) -> Value {
    payload("jira:issue_created", |body| set(body, pointer, value))
}

fn commented(text: &str, edit: impl FnOnce(&mut Value)) -> Value {
    payload("comment_created", |body| {
        body["comment"] = json!({"id": "7", "body": text, "updateAuthor": {"displayName": "Cy"}});
        edit(body)
    })
}

fn changed(items: Value) -> Value {
    payload("jira:issue_updated", |body| {
        body["issue_event_type_name"] = json!("issue_updated");
        body["changelog"] = json!({"id": "9", "items": items});
    })
}

/// Every string of the post JSON: what Mattermost shows (and notifies from).
fn shown(post: &Value) -> String {
    match post {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join("\n"),
        Value::Object(map) => map.values().map(shown).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    }
}

fn post_for(body: &Value, subscription: Option<&str>) -> Value {
    let bytes = body.to_string();
    let webhook = Webhook::parse(bytes.as_bytes()).unwrap();
    let parsed = normalize(&webhook).unwrap_or_else(|| panic!("not an event: {body}"));
    let options = RenderOptions { subscription_name: subscription.map(str::to_string), ..Default::default() };
    render(&parsed, &options).to_json()
}

/// (place, payload, subscription name, what the post shows)
type Case = (&'static str, Value, Option<&'static str>, &'static str);

/// Each case shows its text with the joiner, and nothing in the post is left to quiet.
fn check_posts(cases: Vec<Case>) {
    let failures: Vec<String> = cases
        .into_iter()
        .filter_map(|(place, body, subscription, expected)| {
            let text = shown(&post_for(&body, subscription));
            let quiet = quiet_mentions(&text) == text;
            (!text.contains(expected) || !quiet).then(|| format!("{place}: expected {expected:?} in\n{text}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} place(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn no_jira_text_notifies_the_channel_wherever_it_lands() {
    let adf = json!({"type": "doc", "version": 1,
                     "content": [{"type": "paragraph", "content": [{"type": "text", "text": "cc @here"}]}]});
    let status = json!([{"field": "status", "fromString": "Open", "toString": "@here"}]);
    let labels = json!([{"field": "labels", "fromString": "", "toString": "@all"}]);
    let custom = json!([{"field": "Team", "fieldId": "customfield_1", "fieldtype": "custom",
                         "fromString": "@channel", "toString": "ops"}]);
    let merged = json!([{"field": "status", "fromString": "@here", "toString": "@channel"},
                        {"field": "description", "fromString": "old @all", "toString": "new @here"}]);
    let assigned = payload("jira:issue_updated", |body| {
        body["issue_event_type_name"] = json!("issue_assigned");
        body["changelog"] = json!({"items": [{"field": "assignee", "fromString": "", "toString": "x"}]});
        set(body, "/issue/fields/assignee/displayName", json!("@all of us"));
    });
    check_posts(vec![
        ("summary", created("/issue/fields/summary", json!("Ping @all now")), None, "[A-1: Ping @\u{2060}all now]"),
        (
            "description",
            created("/issue/fields/description", json!("Heads up @Channel")),
            None,
            "Heads up @\u{2060}Channel",
        ),
        ("ADF description", created("/issue/fields/description", adf), None, "cc @\u{2060}here"),
        ("comment body", commented("Thanks @here!", |_| ()), None, "> Thanks @\u{2060}here!"),
        (
            "mentioned person's name",
            commented("ping [~bob]", |body| set(body, "/issue/fields/assignee/displayName", json!("@all hands"))),
            None,
            "> ping @\u{2060}all hands",
        ),
        ("actor", created("/user/displayName", json!("@channel bot")), None, "@\u{2060}channel bot **created**"),
        (
            "comment author",
            commented("hi", |body| set(body, "/comment/updateAuthor/displayName", json!("@here"))),
            None,
            "@\u{2060}here **commented**",
        ),
        (
            "assignee field",
            created("/issue/fields/assignee/displayName", json!("@here")),
            None,
            "Assignee\n@\u{2060}here",
        ),
        ("assignee headline", assigned, None, "**assigned** @\u{2060}all of us to"),
        ("priority field", created("/issue/fields/priority/name", json!("@ALL")), None, "Priority\n@\u{2060}ALL"),
        ("status values", changed(status), None, "from \"Open\" to \"@\u{2060}here\""),
        ("labels", changed(labels), None, "**added** labels [@\u{2060}all]"),
        ("custom field values", changed(custom), None, "Team from \"@\u{2060}channel\" to \"ops\""),
        ("merged field values", changed(merged.clone()), None, "**Status:** ~~@\u{2060}here~~ @\u{2060}channel"),
        ("merged description", changed(merged), None, "**From:** old @\u{2060}all\n**To:** new @\u{2060}here"),
        (
            "subscription name",
            created("/issue/fields/summary", json!("s")),
            Some("@here team"),
            "Subscription: **@\u{2060}here team**",
        ),
    ]);
}

/// Each case shows its text, and nothing in the post is left to defuse: no image, no link
/// but to http, https and mailto.
fn check_links(cases: Vec<(&str, Value, Option<&str>, String)>) {
    let failures: Vec<String> = cases
        .into_iter()
        .filter_map(|(place, body, subscription, expected)| {
            let text = shown(&post_for(&body, subscription));
            let inert = defuse(&text) == text && !text.contains("](javascript");
            (!text.contains(&expected) || !inert).then(|| format!("{place}: expected {expected:?} in\n{text}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} place(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn no_jira_text_embeds_an_image_or_links_elsewhere_wherever_it_lands() {
    const IMG: &str = "![x](http://internal/pixel.png)";
    const SHOWN_IMG: &str = "\\![x](http://internal/pixel.png)";
    const JS: &str = "[x](javascript:alert(1))";
    const SHOWN_JS: &str = "[x]\\(javascript:alert(1))";
    let wiki = "[y|javascript:alert(1)] !http://internal/pixel.png! ![z](http://internal/pixel.png)";
    let shown_wiki = "y (javascript:alert(1)) [pixel.png](http://internal/pixel.png) \\![z](http://internal/pixel.png)";
    let adf = json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [
            {"type": "text", "text": "see", "marks": [{"type": "link", "attrs": {"href": "javascript:alert(1)"}}]}]},
        {"type": "mediaSingle", "content": [
            {"type": "media", "attrs": {"type": "external", "url": "http://internal/pixel.png"}}]}]});
    let labels = json!([{"field": "labels", "fromString": "", "toString": IMG}]);
    let custom = json!([{"field": "Team", "fieldId": "customfield_1", "fieldtype": "custom",
                         "fromString": JS, "toString": "ops"}]);
    let merged = json!([{"field": "status", "fromString": IMG, "toString": JS},
                        {"field": "description", "fromString": IMG, "toString": "new"}]);
    let named =
        |name: &str| commented("ping [~bob]", |body| set(body, "/issue/fields/assignee/displayName", json!(name)));
    check_links(vec![
        (
            "summary image",
            created("/issue/fields/summary", json!(IMG)),
            None,
            format!("[A-1: {SHOWN_IMG}](https://j.example/browse/A-1)"),
        ),
        ("summary link", created("/issue/fields/summary", json!(JS)), None, format!("[A-1: {SHOWN_JS}]")),
        ("description", created("/issue/fields/description", json!(wiki)), None, shown_wiki.into()),
        (
            "ADF description",
            created("/issue/fields/description", adf),
            None,
            "see (javascript:alert(1))\n\n[pixel.png](http://internal/pixel.png)".into(),
        ),
        ("comment body", commented(wiki, |_| ()), None, format!("> {shown_wiki}")),
        ("mentioned person's name", named(IMG), None, format!("> ping {SHOWN_IMG}")),
        ("actor", created("/user/displayName", json!(IMG)), None, format!("{SHOWN_IMG} **created**")),
        ("assignee field", created("/issue/fields/assignee/displayName", json!(JS)), None, SHOWN_JS.into()),
        ("priority field", created("/issue/fields/priority/name", json!(IMG)), None, SHOWN_IMG.into()),
        ("labels", changed(labels), None, format!("labels [{SHOWN_IMG}]")),
        ("custom field values", changed(custom), None, format!("from \"{SHOWN_JS}\" to")),
        ("merged field values", changed(merged.clone()), None, format!("**Status:** ~~{SHOWN_IMG}~~ {SHOWN_JS}")),
        ("merged description", changed(merged), None, format!("**From:** {SHOWN_IMG}")),
        (
            "subscription name",
            created("/issue/fields/summary", json!("s")),
            Some(IMG),
            format!("Subscription: **{SHOWN_IMG}**"),
        ),
        (
            "issue without a base URL",
            created("/issue/self", json!("relative")),
            None,
            "bug A-1: Disk full (/browse/A-1)".into(),
        ),
    ]);
}
