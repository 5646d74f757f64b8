//! Markdown output helpers shared by the wiki and ADF renderers. Fenced code blocks are
//! wrapped in `untrusted::CODE_START`/`CODE_END`, so that defusing the finished text (see
//! `markup::convert`) leaves them as they are: a fence is a block of its own lines, which no
//! markdown outside can reach into. Inline code is not marked: a renderer that reads a link
//! before a code span (Mattermost's web app does) can take a `[` before it as a link's start.

use crate::events::untrusted::{CODE_END, CODE_START};

/// `` `code` ``, with a longer backtick run when the code itself holds backticks.
pub(super) fn code_span(code: &str) -> String {
    match longest_run(code, '`') {
        0 => format!("`{code}`"),
        n => {
            let ticks = "`".repeat(n + 1);
            format!("{ticks} {code} {ticks}")
        }
    }
}

/// A fenced code block whose fence is longer than any backtick run inside. The language is
/// its first word: anything after a space, backtick or line break could end the fence line
/// early or keep it from being a fence, and the body would no longer be code.
pub(super) fn fence(lang: &str, body: &str) -> String {
    let ticks = "`".repeat(longest_run(body, '`').max(2) + 1);
    let lang = lang.split(|c: char| c.is_whitespace() || c == '`').next().unwrap_or("");
    if body.is_empty() {
        format!("{CODE_START}{ticks}{lang}\n{ticks}{CODE_END}")
    } else {
        format!("{CODE_START}{ticks}{lang}\n{body}\n{ticks}{CODE_END}")
    }
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// `prefix` before every line of `text`; empty lines get it without trailing spaces.
pub(super) fn prefix_lines(text: &str, prefix: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| if line.is_empty() { prefix.trim_end().to_string() } else { format!("{prefix}{line}") })
        .collect();
    lines.join("\n")
}

/// The last path segment of a URL, without query or fragment.
pub(super) fn file_name(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path)
}

/// A markdown table. Without `head` an empty header row is added, as markdown needs one.
pub(super) fn table(head: Option<&[String]>, body: &[Vec<String>]) -> Option<String> {
    let body_width = body.iter().map(Vec::len).max().unwrap_or(0);
    let width = head.map_or(0, <[String]>::len).max(body_width);
    if width == 0 {
        return None;
    }
    let mut lines = vec![table_row(head.unwrap_or(&[]), width), table_row(&vec!["---".into(); width], width)];
    lines.extend(body.iter().map(|row| table_row(row, width)));
    Some(lines.join("\n"))
}

fn table_row(cells: &[String], width: usize) -> String {
    let mut line = String::from("|");
    for k in 0..width {
        match cells.get(k).filter(|c| !c.is_empty()) {
            Some(cell) => line.push_str(&format!(" {cell} |")),
            None => line.push_str(" |"),
        }
    }
    line
}

/// Cell content on one line, with pipes escaped so they do not split the cell. A code block
/// flattened into a cell is inline code there, so it loses its marks.
pub(super) fn table_cell(text: &str) -> String {
    let flat = text.replace("  \n", " ").replace('\n', " ").replace([CODE_START, CODE_END], "");
    let mut out = String::with_capacity(flat.len());
    let mut prev = ' ';
    for c in flat.trim().chars() {
        if c == '|' && prev != '\\' {
            out.push('\\');
        }
        out.push(c);
        prev = c;
    }
    out
}
