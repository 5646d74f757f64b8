//! Atlassian Document Format (Jira Cloud bodies) → markdown. Block nodes render to strings
//! joined by blank lines; an unknown node falls back to its children or its text.

use serde_json::Value;

use super::{md, MarkupContext};
use crate::events::untrusted::{autolink, link};

/// Deeper trees are cut off rather than risking the stack on hand-built input.
const MAX_NESTING: usize = 64;

pub(super) fn render(doc: &Value, ctx: &MarkupContext) -> String {
    if !doc.is_object() {
        return String::new();
    }
    Adf { ctx }.block(doc, 0)
}

struct Adf<'a> {
    ctx: &'a MarkupContext<'a>,
}

fn node_type(node: &Value) -> &str {
    node.get("type").and_then(Value::as_str).unwrap_or("")
}

fn children(node: &Value) -> &[Value] {
    node.get("content").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn attr<'v>(node: &'v Value, key: &str) -> Option<&'v str> {
    node.get("attrs")?.get(key)?.as_str().filter(|s| !s.is_empty())
}

fn is_inline(node: &Value) -> bool {
    matches!(node_type(node), "text" | "hardBreak" | "mention" | "emoji" | "inlineCard" | "status" | "date")
}

impl Adf<'_> {
    fn blocks(&self, nodes: &[Value], depth: usize, separator: &str) -> String {
        let parts: Vec<String> = nodes.iter().map(|n| self.block(n, depth)).filter(|s| !s.trim().is_empty()).collect();
        parts.join(separator)
    }

    fn block(&self, node: &Value, depth: usize) -> String {
        if depth > MAX_NESTING {
            return String::new();
        }
        let d = depth + 1;
        match node_type(node) {
            "paragraph" => self.inlines(children(node), d),
            "heading" => self.heading(node, d),
            "bulletList" | "orderedList" => self.list(node, d),
            "codeBlock" => md::fence(attr(node, "language").unwrap_or(""), &text_content(node, d)),
            "blockquote" | "panel" => md::prefix_lines(&self.blocks(children(node), d, "\n\n"), "> "),
            "rule" => "---".to_string(),
            "table" => self.table(node, d),
            "mediaSingle" | "mediaGroup" => self.blocks(children(node), d, "\n"),
            "media" => self.media(node),
            "blockCard" | "embedCard" => attr(node, "url").map(autolink).unwrap_or_default(),
            _ if is_inline(node) => self.inline(node, d),
            _ if children(node).iter().any(is_inline) => self.inlines(children(node), d),
            _ => self.blocks(children(node), d, "\n\n"),
        }
    }

    fn heading(&self, node: &Value, depth: usize) -> String {
        let level = node.get("attrs").and_then(|a| a.get("level")).and_then(Value::as_u64).unwrap_or(1);
        let hashes = "#".repeat(level.clamp(1, 6) as usize);
        format!("{hashes} {}", self.inlines(children(node), depth))
    }

    fn list(&self, node: &Value, depth: usize) -> String {
        let ordered = node_type(node) == "orderedList";
        let start = node.get("attrs").and_then(|a| a.get("order")).and_then(Value::as_u64).unwrap_or(1);
        let items: Vec<String> = children(node)
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let marker = if ordered { format!("{}.", start.saturating_add(k as u64)) } else { "-".into() };
                list_item(&marker, &self.blocks(children(item), depth, "\n"))
            })
            .collect();
        items.join("\n")
    }

    fn table(&self, node: &Value, depth: usize) -> String {
        let rows: Vec<(bool, Vec<String>)> = children(node).iter().map(|row| self.row(row, depth)).collect();
        let first_is_head = rows.first().is_some_and(|(head, cells)| *head && !cells.is_empty());
        let head = first_is_head.then(|| rows[0].1.as_slice());
        let body: Vec<Vec<String>> = rows.iter().skip(usize::from(first_is_head)).map(|r| r.1.clone()).collect();
        md::table(head, &body).unwrap_or_default()
    }

    /// Whether every cell is a header cell, and the cells' markdown.
    fn row(&self, row: &Value, depth: usize) -> (bool, Vec<String>) {
        let cells = children(row);
        let head = cells.iter().all(|c| node_type(c) == "tableHeader");
        (head, cells.iter().map(|c| md::table_cell(&self.blocks(children(c), depth, " "))).collect())
    }

    /// A link, never an embedded image (SPEC §5.7): to an external picture's URL, else to
    /// the issue, which holds the attachment.
    fn media(&self, node: &Value) -> String {
        let url = attr(node, "url").filter(|_| attr(node, "type") == Some("external"));
        let name = attr(node, "alt").or(attr(node, "__fileName"));
        match url {
            Some(url) => link(name.unwrap_or_else(|| md::file_name(url)), url),
            None => link(name.unwrap_or("attachment"), self.ctx.issue_url),
        }
    }

    /// Inline nodes in order; neighbouring text nodes with the same marks are joined first,
    /// so `**a****b**` never happens.
    fn inlines(&self, nodes: &[Value], depth: usize) -> String {
        let mut out = String::new();
        let mut k = 0;
        while k < nodes.len() {
            if node_type(&nodes[k]) != "text" {
                out.push_str(&self.inline(&nodes[k], depth));
                k += 1;
                continue;
            }
            let marks = nodes[k].get("marks");
            let mut text = String::new();
            while k < nodes.len() && node_type(&nodes[k]) == "text" && nodes[k].get("marks") == marks {
                text.push_str(nodes[k].get("text").and_then(Value::as_str).unwrap_or(""));
                k += 1;
            }
            out.push_str(&marked(&text, marks.and_then(Value::as_array).map_or(&[], Vec::as_slice)));
        }
        out
    }

    fn inline(&self, node: &Value, depth: usize) -> String {
        if depth > MAX_NESTING {
            return String::new();
        }
        match node_type(node) {
            "text" => self.inlines(std::slice::from_ref(node), depth),
            "hardBreak" => "  \n".to_string(),
            "mention" => self.mention(node),
            "emoji" => attr(node, "text").or(attr(node, "shortName")).unwrap_or("").to_string(),
            "inlineCard" => attr(node, "url").map(autolink).unwrap_or_default(),
            "media" | "mediaInline" => self.media(node),
            _ => attr(node, "text").map_or_else(|| self.inlines(children(node), depth + 1), str::to_string),
        }
    }

    /// A linked Mattermost user first, then the name Jira shows, then the bare account id.
    fn mention(&self, node: &Value) -> String {
        let id = attr(node, "id");
        if let Some(shown) = id.and_then(|id| (self.ctx.mention)(&format!("accountid:{id}"))) {
            return shown;
        }
        attr(node, "text").map(|t| t.trim_start_matches('@')).or(id).unwrap_or("").to_string()
    }
}

/// `- text`, with the item's further lines indented under the text.
fn list_item(marker: &str, body: &str) -> String {
    let pad = " ".repeat(marker.len() + 1);
    let lines: Vec<String> = body
        .split('\n')
        .enumerate()
        .map(|(k, line)| match k {
            0 => format!("{marker} {line}"),
            _ if line.is_empty() => String::new(),
            _ => format!("{pad}{line}"),
        })
        .collect();
    lines.join("\n")
}

fn text_content(node: &Value, depth: usize) -> String {
    if depth > MAX_NESTING {
        return String::new();
    }
    let own = node.get("text").and_then(Value::as_str).unwrap_or("");
    children(node).iter().fold(own.to_string(), |acc, child| acc + &text_content(child, depth + 1))
}

/// A text node's marks as markdown; emphasis hugs the text, leaving edge spaces outside.
fn marked(text: &str, marks: &[Value]) -> String {
    if text.is_empty() {
        return String::new();
    }
    let has = |name: &str| marks.iter().any(|m| node_type(m) == name);
    let mut out = if has("code") { md::code_span(text) } else { text.to_string() };
    for (name, wrapper) in [("em", "*"), ("strong", "**"), ("strike", "~~")] {
        if has(name) {
            out = wrap(&out, wrapper);
        }
    }
    match marks.iter().find(|m| node_type(m) == "link").and_then(|m| attr(m, "href")) {
        Some(href) => link(&out, href),
        None => out,
    }
}

fn wrap(text: &str, wrapper: &str) -> String {
    let core = text.trim();
    if core.is_empty() {
        return text.to_string();
    }
    let lead = &text[..text.len() - text.trim_start().len()];
    let trail = &text[text.trim_end().len()..];
    format!("{lead}{wrapper}{core}{wrapper}{trail}")
}
