//! Jira text → Mattermost markdown (SPEC §5.6): wiki markup strings and Atlassian Document
//! Format trees (`adf`). Pure; no input makes it panic. Wiki text goes through three layers:
//! `scan` cuts out code blocks and `{quote}`/`{panel}` tags, `blocks` renders line-level
//! structure (lists, headings, tables via `table`), `inline` renders the rest of each line.
//! `md` holds the markdown output helpers both renderers share.

mod adf;
mod blocks;
mod inline;
mod md;
mod scan;
mod table;
#[cfg(test)]
mod tests;

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
    blocks::render(&scan::tokens(&text), ctx)
}

/// A Jira Cloud body given as an Atlassian Document Format JSON tree → Mattermost markdown.
pub fn adf_to_markdown(doc: &serde_json::Value, ctx: &MarkupContext) -> String {
    adf::render(doc, ctx)
}
