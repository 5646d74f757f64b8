//! Jira text → Mattermost markdown (SPEC §5.6): wiki markup strings and Atlassian Document
//! Format trees (`adf`). Pure; no input makes it panic. Wiki text goes through three layers:
//! `scan` cuts out code blocks and `{quote}`/`{panel}` tags, `blocks` renders line-level
//! structure (lists, headings, tables via `table`), `inline` renders the rest of each line.
//! `md` holds the markdown output helpers both renderers share. Jira text is untrusted: links
//! go through `untrusted::link`, and the finished markdown through `untrusted::defuse_converted`
//! (see `convert`).

mod adf;
mod blocks;
mod inline;
mod md;
mod scan;
mod table;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::events::untrusted::{defuse_converted, CODE_END, CODE_START};

/// Context for mentions and attachment links.
pub struct MarkupContext<'a> {
    /// `<base>/browse/<KEY>` of the issue, for `!image.png!` and `[^attachment]` links.
    pub issue_url: &'a str,
    /// Maps a Jira user reference (the text inside `[~...]`, e.g. "jsmith" or
    /// "accountid:5b10a2844c20165700ede21g") to what to show: `Some("@mmuser")` for a linked
    /// Mattermost user or `Some("Display Name")`; `None` = show the bare name or id (without
    /// the `accountid:` prefix).
    pub mention: &'a dyn Fn(&str) -> Option<String>,
}

impl MarkupContext<'_> {
    /// What a mention of `reference` shows.
    fn mention_text(&self, reference: &str) -> String {
        (self.mention)(reference).unwrap_or_else(|| strip_accountid(reference).to_string())
    }
}

fn strip_accountid(reference: &str) -> &str {
    reference.strip_prefix("accountid:").unwrap_or(reference)
}

/// Jira wiki markup → Mattermost markdown (pure; never panics on any input).
pub fn wiki_to_markdown(text: &str, ctx: &MarkupContext) -> String {
    let text = text.replace("\r\n", "\n");
    convert(ctx, has_marks(&text), |ctx| blocks::render(&scan::tokens(&text), ctx))
}

/// A Jira Cloud body given as an Atlassian Document Format JSON tree → Mattermost markdown.
pub fn adf_to_markdown(doc: &Value, ctx: &MarkupContext) -> String {
    convert(ctx, value_has_marks(doc, 0), |ctx| adf::render(doc, ctx))
}

/// Renders, then defuses raw markdown images and refused links in the result, except inside
/// the code blocks the renderer made (`md` marks them). Names and the issue URL from `ctx`
/// lose any such marks first, and when the Jira text itself holds some, no mark is trusted:
/// only the converter can mark code.
fn convert(ctx: &MarkupContext, input_has_marks: bool, render: impl FnOnce(&MarkupContext) -> String) -> String {
    let issue_url = without_marks(ctx.issue_url);
    let mention = |reference: &str| (ctx.mention)(reference).map(|name| without_marks(&name));
    let markdown = render(&MarkupContext { issue_url: &issue_url, mention: &mention });
    defuse_converted(&markdown, !input_has_marks)
}

fn has_marks(text: &str) -> bool {
    text.contains([CODE_START, CODE_END])
}

fn without_marks(text: &str) -> String {
    text.replace([CODE_START, CODE_END], "")
}

/// Whether any string in the tree (keys included) holds a code mark; a tree too deep to
/// look through counts as holding one (parsed JSON is never that deep).
fn value_has_marks(value: &Value, depth: usize) -> bool {
    match value {
        _ if depth > 256 => true,
        Value::String(s) => has_marks(s),
        Value::Array(items) => items.iter().any(|v| value_has_marks(v, depth + 1)),
        Value::Object(map) => map.iter().any(|(k, v)| has_marks(k) || value_has_marks(v, depth + 1)),
        _ => false,
    }
}
