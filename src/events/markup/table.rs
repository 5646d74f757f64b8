//! Jira table rows (`||head||head||`, `|cell|cell|`) → a markdown table. A first row of
//! header cells becomes the markdown header; header cells further down are shown bold.

use super::{inline, md, MarkupContext};

struct Cell<'a> {
    text: &'a str,
    head: bool,
}

/// The table for consecutive row lines (each trimmed, starting with `|`); `None` when the
/// rows hold no cells at all.
pub(super) fn render(rows: &[&str], ctx: &MarkupContext) -> Option<String> {
    let rows: Vec<Vec<Cell>> = rows.iter().map(|row| cells(row)).collect();
    let first_is_head = rows.first().is_some_and(|r| !r.is_empty() && r.iter().all(|c| c.head));
    let convert = |row: &Vec<Cell>, bold_heads: bool| -> Vec<String> {
        row.iter().map(|cell| cell_markdown(cell, bold_heads, ctx)).collect()
    };
    let head = first_is_head.then(|| convert(&rows[0], false));
    let body: Vec<Vec<String>> = rows.iter().skip(usize::from(first_is_head)).map(|r| convert(r, true)).collect();
    md::table(head.as_deref(), &body)
}

fn cell_markdown(cell: &Cell, bold_heads: bool, ctx: &MarkupContext) -> String {
    let text = md::table_cell(&inline::convert(cell.text, ctx));
    if bold_heads && cell.head && !text.is_empty() {
        format!("**{text}**")
    } else {
        text
    }
}

fn cells(row: &str) -> Vec<Cell<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < row.len() {
        let head = row[i..].starts_with("||");
        let start = i + if head { 2 } else { 1 };
        let end = cell_end(row, start);
        let text = &row[start..end];
        if end == row.len() && text.trim().is_empty() {
            break;
        }
        out.push(Cell { text: text.trim(), head });
        i = end;
    }
    out
}

/// The next cell separator at or after `from`; pipes inside links, monospace, images and
/// escapes do not count.
fn cell_end(row: &str, from: usize) -> usize {
    let bytes = row.as_bytes();
    let (last_bracket, last_mono) = (row.rfind(']'), row.rfind("}}"));
    let mut i = from;
    while i < row.len() {
        i = match bytes[i] {
            b'|' => return i,
            b'\\' => i + 2,
            b'[' if last_bracket > Some(i) => skip_past(row, i, "]"),
            b'{' if row[i..].starts_with("{{") && last_mono > Some(i) => skip_past(row, i + 2, "}}"),
            b'!' => inline::image_end(row, i).unwrap_or(i + 1),
            _ => i + 1,
        };
    }
    row.len()
}

fn skip_past(row: &str, from: usize, closing: &str) -> usize {
    row[from..].find(closing).map_or(from + 1, |k| from + k + closing.len())
}
