//! Cuts wiki text into [`Token`]s: text lines, `{code}`/`{noformat}` blocks (kept verbatim)
//! and `{quote}`/`{panel}` container tags. A code block or container without its closing tag
//! stays ordinary text, as Jira shows it. Inline monospace (`{{…}}`) is skipped whole: its
//! text is shown, never read as a tag (`{{code}}` names the macro, it does not open one).

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Container {
    Quote,
    Panel,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    Line(&'a str),
    Code { lang: &'a str, body: &'a str },
    Open { kind: Container, title: Option<&'a str> },
    Close(Container),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Open,
    Close,
    Literal,
}

/// A piece of the input before text is cut into lines; ranges index the input.
enum Seg<'a> {
    Text(Range<usize>),
    Code { lang: &'a str, body: &'a str },
    Tag { kind: Container, params: Option<&'a str>, raw: Range<usize>, role: Role },
}

/// The tokens of `text`, in order.
pub(super) fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut segs = Vec::new();
    for seg in code_segments(text) {
        match seg {
            Seg::Text(range) => tag_segments(text, range, &mut segs),
            other => segs.push(other),
        }
    }
    assign_roles(&mut segs);
    flatten(text, segs)
}

/// `{name}` → `(None, end)`, `{name:params}` → `(Some(params), end)`, at byte `i` of `s`.
pub(super) fn macro_tag<'a>(s: &'a str, i: usize, name: &str) -> Option<(Option<&'a str>, usize)> {
    let after = s.get(i..)?.strip_prefix('{')?.strip_prefix(name)?;
    let start = s.len() - after.len();
    if after.starts_with('}') {
        return Some((None, start + 1));
    }
    let params = after.strip_prefix(':')?;
    let close = params.find(['{', '}', '\n'])?;
    (params.as_bytes()[close] == b'}').then(|| (Some(&params[..close]), start + 2 + close))
}

/// Monospace spans `{{…}}` closed on their own line (where `inline` renders them), asked
/// for left to right. The next `}}` and line break are remembered, so text full of `{{`
/// is still read in one pass.
struct Monospace<'a> {
    s: &'a str,
    /// (searched from, first match at or after that) for `}}` and for a line break.
    close: (usize, Option<usize>),
    newline: (usize, Option<usize>),
}

impl<'a> Monospace<'a> {
    fn new(s: &'a str) -> Self {
        Monospace { s, close: (usize::MAX, None), newline: (usize::MAX, None) }
    }

    /// Where the span starting at byte `i` ends, if one starts there.
    fn end(&mut self, i: usize) -> Option<usize> {
        if !self.s[i..].starts_with("{{") {
            return None;
        }
        let close = next_match(self.s, "}}", i + 2, &mut self.close)?;
        let newline = next_match(self.s, "\n", i + 2, &mut self.newline);
        newline.is_none_or(|n| n > close).then_some(close + 2)
    }
}

fn next_match(s: &str, pattern: &str, from: usize, cache: &mut (usize, Option<usize>)) -> Option<usize> {
    let (searched, found) = *cache;
    if searched > from || found.is_some_and(|at| at < from) {
        *cache = (from, s[from..].find(pattern).map(|k| from + k));
    }
    cache.1
}

fn code_segments(text: &str) -> Vec<Seg<'_>> {
    let mut segs = Vec::new();
    let (mut start, mut from) = (0, 0);
    // Once a macro's closing tag is missing, it is missing for every later opener too.
    let mut unclosed = [false; 2];
    let mut monospace = Monospace::new(text);
    while let Some(off) = text[from..].find('{') {
        let i = from + off;
        if let Some(end) = monospace.end(i) {
            from = end;
            continue;
        }
        match code_block(text, i, &mut unclosed) {
            Some((seg, end)) => {
                segs.push(Seg::Text(start..i));
                segs.push(seg);
                (start, from) = (end, end);
            }
            None => from = i + 1,
        }
    }
    segs.push(Seg::Text(start..text.len()));
    segs
}

fn code_block<'a>(text: &'a str, i: usize, unclosed: &mut [bool; 2]) -> Option<(Seg<'a>, usize)> {
    let (k, name, params, open_end) = ["code", "noformat"]
        .into_iter()
        .enumerate()
        .find_map(|(k, name)| macro_tag(text, i, name).map(|(p, end)| (k, name, p, end)))?;
    if unclosed[k] {
        return None;
    }
    let closing = format!("{{{name}}}");
    let Some(close) = text[open_end..].find(&closing) else {
        unclosed[k] = true;
        return None;
    };
    let body = &text[open_end..open_end + close];
    let body = body.strip_prefix('\n').unwrap_or(body);
    let body = body.strip_suffix('\n').unwrap_or(body);
    let lang = if k == 0 { params.map_or("", first_unnamed) } else { "" };
    Some((Seg::Code { lang, body }, open_end + close + closing.len()))
}

/// The language of `{code:java|title=x}`: the first parameter without `=`.
fn first_unnamed(params: &str) -> &str {
    params.split('|').map(str::trim).find(|p| !p.contains('=')).unwrap_or("")
}

fn tag_segments<'a>(text: &'a str, range: Range<usize>, out: &mut Vec<Seg<'a>>) {
    let piece = &text[..range.end];
    let (mut start, mut from) = (range.start, range.start);
    let mut monospace = Monospace::new(piece);
    while let Some(off) = piece[from..].find('{') {
        let i = from + off;
        if let Some(end) = monospace.end(i) {
            from = end;
            continue;
        }
        match container_tag(piece, i) {
            Some((kind, params, end)) => {
                out.push(Seg::Text(start..i));
                out.push(Seg::Tag { kind, params, raw: i..end, role: Role::Literal });
                (start, from) = (end, end);
            }
            None => from = i + 1,
        }
    }
    out.push(Seg::Text(start..range.end));
}

fn container_tag(s: &str, i: usize) -> Option<(Container, Option<&str>, usize)> {
    let tag = |kind, name| macro_tag(s, i, name).map(|(params, end)| (kind, params, end));
    tag(Container::Quote, "quote").or_else(|| tag(Container::Panel, "panel"))
}

/// Tags alternate open/close per container kind; a final opener without a partner is text.
fn assign_roles(segs: &mut [Seg]) {
    let mut open_at: [Option<usize>; 2] = [None, None];
    for (idx, seg) in segs.iter_mut().enumerate() {
        let Seg::Tag { kind, params, role, .. } = seg else { continue };
        let slot = &mut open_at[*kind as usize];
        *role = match slot {
            None => {
                *slot = Some(idx);
                Role::Open
            }
            Some(_) if params.is_none() || *kind == Container::Quote => {
                *slot = None;
                Role::Close
            }
            Some(_) => Role::Literal,
        };
    }
    for idx in open_at.into_iter().flatten() {
        if let Some(Seg::Tag { role, .. }) = segs.get_mut(idx) {
            *role = Role::Literal;
        }
    }
}

fn flatten<'a>(text: &'a str, segs: Vec<Seg<'a>>) -> Vec<Token<'a>> {
    let mut out = Vec::new();
    let mut pending: Option<Range<usize>> = None;
    let mut after_boundary = false;
    for seg in segs {
        let token = match seg {
            Seg::Text(r) | Seg::Tag { raw: r, role: Role::Literal, .. } => {
                pending = Some(pending.map_or(r.clone(), |p| p.start..r.end));
                continue;
            }
            Seg::Code { lang, body } => Token::Code { lang, body },
            Seg::Tag { kind, role: Role::Close, .. } => Token::Close(kind),
            Seg::Tag { kind, params, .. } => Token::Open { kind, title: params.and_then(title) },
        };
        if let Some(r) = pending.take() {
            push_lines(&text[r], after_boundary, true, &mut out);
        }
        out.push(token);
        after_boundary = true;
    }
    push_lines(&text[pending.unwrap_or(text.len()..text.len())], after_boundary, false, &mut out);
    out
}

fn title(params: &str) -> Option<&str> {
    params.split('|').find_map(|p| p.trim().strip_prefix("title=")).map(str::trim).filter(|t| !t.is_empty())
}

/// Text beside a tag or code block on the same line becomes a line of its own, trimmed at
/// the cut; blank fragments are dropped.
fn push_lines<'a>(piece: &'a str, lead_cut: bool, tail_cut: bool, out: &mut Vec<Token<'a>>) {
    let count = piece.split('\n').count();
    for (k, mut line) in piece.split('\n').enumerate() {
        let (lead, tail) = (k == 0 && lead_cut, k + 1 == count && tail_cut);
        if lead {
            line = line.trim_start();
        }
        if tail {
            line = line.trim_end();
        }
        if !((lead || tail) && line.is_empty()) {
            out.push(Token::Line(line));
        }
    }
}
