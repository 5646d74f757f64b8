//! Renders [`Token`]s line by line: open containers become `> ` prefixes, and each text line
//! is a heading, rule, `bq.`, list item, table row or paragraph line (content via `inline`).
//! Markdown lets a following line continue a list, table or quote, so a blank line is put
//! after those where Jira's block ended.

use super::scan::{Container, Token};
use super::{inline, md, table, MarkupContext};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Para,
    List,
    Table,
    Rule,
    Other,
}

pub(super) fn render(tokens: &[Token], ctx: &MarkupContext) -> String {
    let mut r = Renderer { ctx, out: Writer::default(), open: [false; 2], list: Lists::default(), table: Vec::new() };
    for token in tokens {
        r.token(token);
    }
    r.flush_table();
    r.out.lines.join("\n")
}

struct Renderer<'t, 'c> {
    ctx: &'c MarkupContext<'c>,
    out: Writer,
    /// Whether a quote / panel is open (indexed by `Container as usize`).
    open: [bool; 2],
    list: Lists,
    table: Vec<&'t str>,
}

impl<'t> Renderer<'t, '_> {
    fn depth(&self) -> usize {
        self.open.iter().filter(|&&o| o).count()
    }

    fn token(&mut self, token: &Token<'t>) {
        if let Token::Line(line) = token {
            return self.line(line);
        }
        self.flush_table();
        self.list.reset();
        match *token {
            Token::Code { lang, body } => self.out.push(Kind::Other, self.depth(), &md::fence(lang, body)),
            Token::Open { kind, title } => self.open_container(kind, title),
            Token::Close(kind) => self.open[kind as usize] = false,
            Token::Line(_) => {}
        }
    }

    fn open_container(&mut self, kind: Container, title: Option<&str>) {
        self.open[kind as usize] = true;
        if let Some(title) = title {
            self.out.push(Kind::Para, self.depth(), &format!("**{title}**"));
        }
    }

    fn line(&mut self, raw: &'t str) {
        let t = raw.trim();
        if t.starts_with('|') {
            self.list.reset();
            self.table.push(t);
            return;
        }
        self.flush_table();
        if let Some((markers, rest)) = list_item(t) {
            return self.list_line(markers, rest);
        }
        self.list.reset();
        let (kind, extra_depth, text) = self.classify(raw, t);
        // A line that held only tags such as `{color:red}` is gone, not a blank line.
        if !t.is_empty() && text.trim().is_empty() {
            return;
        }
        self.out.push(kind, self.depth() + extra_depth, &text);
    }

    /// An item's text is indented under its marker when a `\\` break splits it.
    fn list_line(&mut self, markers: &str, rest: &str) {
        let (indent, marker) = self.list.item(markers);
        let pad = " ".repeat(indent + marker.len() + 1);
        let text = inline::convert(rest, self.ctx).replace('\n', &format!("\n{pad}"));
        self.out.push(Kind::List, self.depth(), &format!("{}{marker} {text}", " ".repeat(indent)));
    }

    /// A non-list, non-table line → its kind, extra quote depth and markdown.
    fn classify(&self, raw: &str, t: &str) -> (Kind, usize, String) {
        if let Some((level, rest)) = heading(t) {
            let text = format!("{} {}", "#".repeat(level), inline::convert(rest, self.ctx));
            return (Kind::Other, 0, text.trim_end().to_string());
        }
        if let Some(rest) = t.strip_prefix("bq. ").or((t == "bq.").then_some("")) {
            return (Kind::Para, 1, inline::convert(rest.trim_start(), self.ctx));
        }
        if t == "----" {
            return (Kind::Rule, 0, "---".to_string());
        }
        (Kind::Para, 0, inline::convert(raw, self.ctx))
    }

    fn flush_table(&mut self) {
        if self.table.is_empty() {
            return;
        }
        let rows = std::mem::take(&mut self.table);
        match table::render(&rows, self.ctx) {
            Some(markdown) => self.out.push(Kind::Table, self.depth(), &markdown),
            None => {
                rows.iter().for_each(|row| self.out.push(Kind::Para, self.depth(), &inline::convert(row, self.ctx)))
            }
        }
    }
}

/// `#`, `*`, `#*`… followed by a space, or a single `- `: the markers and the item text.
fn list_item(t: &str) -> Option<(&str, &str)> {
    if let Some(rest) = t.strip_prefix("- ") {
        return Some(("*", rest));
    }
    let n = t.bytes().take_while(|b| matches!(b, b'*' | b'#')).count();
    let rest = t[n..].strip_prefix(' ')?;
    (n > 0).then_some((&t[..n], rest))
}

/// `h1. text` … `h6. text` → (level, text).
fn heading(t: &str) -> Option<(usize, &str)> {
    let b = t.as_bytes();
    if b.len() < 3 || !matches!(b[0], b'h' | b'H') || b[2] != b'.' {
        return None;
    }
    let level = (b[1] as char).to_digit(10).filter(|l| (1..=6).contains(l))? as usize;
    let rest = &t[3..];
    (rest.is_empty() || rest.starts_with(' ')).then(|| (level, rest.trim_start()))
}

/// Numbering and indentation of nested list levels.
#[derive(Default)]
struct Lists {
    levels: Vec<Level>,
}

struct Level {
    ordered: bool,
    count: usize,
    /// Width of this level's marker plus its space: where a child's marker starts.
    width: usize,
}

impl Lists {
    fn reset(&mut self) {
        self.levels.clear();
    }

    /// The indentation and markdown marker of an item with Jira markers such as `#*`.
    fn item(&mut self, markers: &str) -> (usize, String) {
        let kinds: Vec<bool> = markers.bytes().map(|b| b == b'#').collect();
        let same = self.levels.iter().zip(&kinds).take_while(|(level, &ordered)| level.ordered == ordered).count();
        self.levels.truncate(same);
        for &ordered in &kinds[self.levels.len()..] {
            self.levels.push(Level { ordered, count: 0, width: if ordered { 3 } else { 2 } });
        }
        let indent = self.levels.iter().rev().skip(1).map(|l| l.width).sum();
        let Some(level) = self.levels.last_mut() else { return (0, "-".to_string()) };
        level.count += 1;
        let marker = if level.ordered { format!("{}.", level.count) } else { "-".to_string() };
        level.width = marker.len() + 1;
        (indent, marker)
    }
}

/// Output lines, with the blank lines markdown needs between some blocks.
#[derive(Default)]
struct Writer {
    lines: Vec<String>,
    /// Kind and depth of the last non-blank line since the last blank one.
    prev: Option<(Kind, usize)>,
}

impl Writer {
    fn push(&mut self, kind: Kind, depth: usize, text: &str) {
        let text = text.trim_end_matches('\n');
        if text.trim().is_empty() {
            return self.blank(depth);
        }
        if self.prev.is_some_and(|(prev, prev_depth)| needs_gap(prev, prev_depth, kind, depth)) {
            self.blank(depth);
        }
        self.lines.push(md::prefix_lines(text, &"> ".repeat(depth)));
        self.prev = Some((kind, depth));
    }

    fn blank(&mut self, depth: usize) {
        self.lines.push("> ".repeat(depth).trim_end().to_string());
        self.prev = None;
    }
}

/// Without a blank line, a paragraph line would continue the list, table or quote above,
/// a table would swallow the line above it, and `---` would turn a paragraph into a heading.
fn needs_gap(prev: Kind, prev_depth: usize, kind: Kind, depth: usize) -> bool {
    let continues = prev_depth > depth || (prev_depth == depth && matches!(prev, Kind::List | Kind::Table));
    match kind {
        Kind::Para => continues,
        Kind::Table => prev != Kind::Table || prev_depth != depth,
        Kind::Rule => true,
        Kind::List | Kind::Other => false,
    }
}
