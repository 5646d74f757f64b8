//! Atlassian Document Format → markdown cases.

use serde_json::{json, Value};

use super::super::adf_to_markdown;
use super::{check, ctx, ISSUE};

fn check_adf(cases: &[(Value, &str)]) {
    check(cases, |doc| adf_to_markdown(doc, &ctx()));
}

fn doc(content: Value) -> Value {
    json!({"type": "doc", "version": 1, "content": content})
}

fn para(content: Value) -> Value {
    json!({"type": "paragraph", "content": content})
}

fn text(t: &str) -> Value {
    json!({"type": "text", "text": t})
}

fn marked(t: &str, marks: Value) -> Value {
    json!({"type": "text", "text": t, "marks": marks})
}

fn list(kind: &str, items: Vec<Value>) -> Value {
    let items: Vec<Value> = items.into_iter().map(|c| json!({"type": "listItem", "content": c})).collect();
    json!({"type": kind, "content": items})
}

#[test]
fn non_objects_render_empty() {
    check_adf(&[(json!(null), ""), (json!("text"), ""), (json!([1, 2]), ""), (json!(3), "")]);
}

#[test]
fn paragraphs_text_and_marks() {
    check_adf(&[
        (doc(json!([para(json!([text("Hello")]))])), "Hello"),
        (doc(json!([para(json!([text("a")])), para(json!([text("b")]))])), "a\n\nb"),
        (para(json!([marked("b", json!([{"type": "strong"}]))])), "**b**"),
        (para(json!([marked("i", json!([{"type": "em"}]))])), "*i*"),
        (para(json!([marked("s", json!([{"type": "strike"}]))])), "~~s~~"),
        (para(json!([marked("c", json!([{"type": "code"}]))])), "`c`"),
        (para(json!([marked("u", json!([{"type": "underline"}]))])), "u"),
        (para(json!([marked("l", json!([{"type": "link", "attrs": {"href": "https://x.io"}}]))])), "[l](https://x.io)"),
        (para(json!([marked("x", json!([{"type": "strong"}, {"type": "em"}]))])), "***x***"),
        (para(json!([marked("bold ", json!([{"type": "strong"}])), text("text")])), "**bold** text"),
        (para(json!([marked("a", json!([{"type": "strong"}])), marked("b", json!([{"type": "strong"}]))])), "**ab**"),
        (para(json!([text("a"), {"type": "hardBreak"}, text("b")])), "a  \nb"),
    ]);
}

#[test]
fn block_nodes() {
    let nested = list("bulletList", vec![json!([para(json!([text("nested")]))])]);
    check_adf(&[
        (json!({"type": "heading", "attrs": {"level": 2}, "content": [text("Title")]}), "## Title"),
        (
            list("bulletList", vec![json!([para(json!([text("one")])), nested]), json!([para(json!([text("two")]))])]),
            "- one\n  - nested\n- two",
        ),
        (
            json!({"type": "orderedList", "attrs": {"order": 3}, "content": [
                {"type": "listItem", "content": [para(json!([text("a")]))]},
                {"type": "listItem", "content": [para(json!([text("b")]))]}]}),
            "3. a\n4. b",
        ),
        (
            json!({"type": "codeBlock", "attrs": {"language": "rust"}, "content": [text("fn main() {}")]}),
            "```rust\nfn main() {}\n```",
        ),
        (json!({"type": "codeBlock", "content": [text("*x*")]}), "```\n*x*\n```"),
        (json!({"type": "blockquote", "content": [para(json!([text("quoted")]))]}), "> quoted"),
        (json!({"type": "panel", "attrs": {"panelType": "info"}, "content": [para(json!([text("note")]))]}), "> note"),
        (doc(json!([para(json!([text("a")])), {"type": "rule"}, para(json!([text("b")]))])), "a\n\n---\n\nb"),
    ]);
}

#[test]
fn mentions_emoji_cards_and_media() {
    let mention = |attrs: Value| para(json!([{"type": "mention", "attrs": attrs}]));
    let media = |attrs: Value| json!({"type": "mediaSingle", "content": [{"type": "media", "attrs": attrs}]});
    check_adf(&[
        (mention(json!({"id": "5b10a2844c20165700ede21g", "text": "@Jane"})), "Jane Doe"),
        (mention(json!({"id": "557058:abc", "text": "@Bob Smith"})), "Bob Smith"),
        (mention(json!({"id": "557058:abc"})), "557058:abc"),
        (para(json!([{"type": "emoji", "attrs": {"shortName": ":smile:", "text": "😄"}}])), "😄"),
        (para(json!([{"type": "emoji", "attrs": {"shortName": ":smile:"}}])), ":smile:"),
        (
            para(json!([{"type": "inlineCard", "attrs": {"url": "https://x.io/browse/A-1"}}])),
            "<https://x.io/browse/A-1>",
        ),
        (json!({"type": "blockCard", "attrs": {"url": "https://x.io"}}), "<https://x.io>"),
        (
            media(json!({"type": "file", "id": "u-1", "collection": "", "alt": "shot.png"})),
            &format!("[shot.png]({ISSUE})"),
        ),
        (media(json!({"type": "file", "id": "u-1", "collection": ""})), &format!("[attachment]({ISSUE})")),
        (media(json!({"type": "external", "url": "https://x.io/i/x.png"})), "[x.png](https://x.io/i/x.png)"),
    ]);
}

#[test]
fn links_only_to_http_https_and_mailto_and_never_images() {
    let href = |t: &str, url: &str| para(json!([marked(t, json!([{"type": "link", "attrs": {"href": url}}]))]));
    let card = |url: &str| para(json!([{"type": "inlineCard", "attrs": {"url": url}}]));
    let media = |url: &str| json!({"type": "mediaSingle", "content": [{"type": "media", "attrs": {"type": "external", "url": url}}]});
    check_adf(&[
        (href("mail", "mailto:a@b.example"), "[mail](mailto:a@b.example)"),
        (href("HTTP", "HTTP://x.io"), "[HTTP](HTTP://x.io)"),
        (href("x", "javascript:alert(1)"), "x (javascript:alert(1))"),
        (href("x", " javascript:alert(1)"), "x ( javascript:alert(1))"),
        (href("data:x", "data:x"), "data:x"),
        (href("x", "/relative"), "x (/relative)"),
        (card("javascript:alert(1)"), "javascript:alert(1)"),
        (card("file:///etc/passwd"), "file:///etc/passwd"),
        (json!({"type": "blockCard", "attrs": {"url": "vbscript:x"}}), "vbscript:x"),
        (json!({"type": "embedCard", "attrs": {"url": "https://x.io/e"}}), "<https://x.io/e>"),
        (media("http://internal/pixel.png"), "[pixel.png](http://internal/pixel.png)"),
        (media("data:image/png;base64,AAAA"), "png;base64,AAAA (data:image/png;base64,AAAA)"),
    ]);
}

#[test]
fn raw_markdown_in_text_makes_no_image_and_no_refused_link() {
    let link = |t: &str| marked(t, json!([{"type": "link", "attrs": {"href": "https://x.io"}}]));
    let code = |t: &str| marked(t, json!([{"type": "code"}]));
    check_adf(&[
        (para(json!([text("![x](http://internal/pixel.png)")])), "\\![x](http://internal/pixel.png)"),
        (para(json!([text("[x](javascript:alert(1))")])), "[x]\\(javascript:alert(1))"),
        (para(json!([text("[x](https://ok.example)")])), "[x](https://ok.example)"),
        (para(json!([text("<javascript:alert(1)>")])), "\\<javascript:alert(1)>"),
        (para(json!([text("wow!"), link("x")])), "wow\\![x](https://x.io)"),
        (para(json!([code("![x](y)")])), "`\\![x]\\(y)`"),
        (
            json!({"type": "codeBlock", "content": [text("![x](y) [a](javascript:b)")]}),
            "```\n![x](y) [a](javascript:b)\n```",
        ),
        (
            json!({"type": "codeBlock", "attrs": {"language": "x\n```\n![a](http://p)\n```"}, "content": [text("b")]}),
            "```x\nb\n```",
        ),
        (
            json!({"type": "table", "content": [{"type": "tableRow", "content": [{"type": "tableCell", "content": [
                {"type": "codeBlock", "content": [text("![x](http://p)")]}]}]}]}),
            "| |\n| --- |\n| ``` \\![x](http://p) ``` |",
        ),
        (
            doc(
                json!([para(json!([text("\u{FDD0}![x](y)\u{FDD1}")])), {"type": "codeBlock", "content": [text("![a](b)")]}]),
            ),
            "\\![x]\\(y)\n\n```\n\\![a]\\(b)\n```",
        ),
    ]);
}

#[test]
fn tables() {
    let cell = |kind: &str, t: &str| json!({"type": kind, "content": [para(json!([text(t)]))]});
    let row = |cells: Vec<Value>| json!({"type": "tableRow", "content": cells});
    check_adf(&[
        (
            json!({"type": "table", "content": [
                row(vec![cell("tableHeader", "h1"), cell("tableHeader", "h2")]),
                row(vec![cell("tableCell", "a|b"), cell("tableCell", "c")])]}),
            "| h1 | h2 |\n| --- | --- |\n| a\\|b | c |",
        ),
        (json!({"type": "table", "content": [row(vec![cell("tableCell", "a")])]}), "| |\n| --- |\n| a |"),
    ]);
}

#[test]
fn unknown_nodes_fall_back_to_their_content() {
    check_adf(&[
        (json!({"type": "expand", "content": [para(json!([text("inside")]))]}), "inside"),
        (para(json!([{"type": "status", "attrs": {"text": "IN PROGRESS"}}])), "IN PROGRESS"),
        (para(json!([text("on "), {"type": "date", "attrs": {"timestamp": "1"}}])), "on "),
        (json!({"type": "taskItem", "content": [text("do it")]}), "do it"),
        (json!({"type": "mystery"}), ""),
    ]);
}

#[test]
fn deep_and_malformed_trees_do_not_panic() {
    let mut deep = para(json!([text("x")]));
    for _ in 0..300 {
        deep = json!({"type": "blockquote", "content": [deep]});
    }
    let odd = json!({"type": "doc", "content": [
        {"type": "heading", "attrs": {"level": 99}},
        {"type": "orderedList", "attrs": {"order": u64::MAX}, "content": [{"type": "listItem"}, {"type": "listItem"}]},
        {"type": "paragraph", "content": "not an array"},
        {"type": 5}, 7, null, {"content": [{"text": 3}]},
        {"type": "table", "content": [{"type": "tableRow"}]}
    ]});
    let _ = adf_to_markdown(&deep, &ctx());
    let _ = adf_to_markdown(&odd, &ctx());
}
