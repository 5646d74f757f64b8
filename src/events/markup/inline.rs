//! One line of wiki text → markdown: links, mentions, images, monospace, colour tags,
//! backslash escapes, bare URLs (copied untouched) and emphasis at word boundaries.

use super::{md, scan, MarkupContext};
use crate::events::untrusted::{autolink, link};

/// Emphasis nested deeper than this stays text, which bounds the work on hostile input.
const MAX_DEPTH: usize = 4;

/// Jira marker → markdown before and after the content (empty = kept as plain text).
const MARKERS: [(&str, &str, &str); 7] = [
    ("*", "**", "**"),
    ("_", "*", "*"),
    ("-", "~~", "~~"),
    ("+", "", ""),
    ("??", "*— ", "*"),
    ("^", "", ""),
    ("~", "", ""),
];

/// Characters a Jira backslash escapes; of those, the ones markdown needs escaped too.
const JIRA_ESCAPABLE: &str = "*_-+?^~{}[]|!#";
const MARKDOWN_ESCAPED: &str = "*_~[]|#-+!";

const URL_SCHEMES: [&str; 5] = ["http://", "https://", "ftp://", "file:/", "mailto:"];

/// Converts one line (no `\n` inside) of wiki text.
pub(super) fn convert(s: &str, ctx: &MarkupContext) -> String {
    Line::new(s, ctx, 0).run()
}

struct Line<'a> {
    s: &'a str,
    ctx: &'a MarkupContext<'a>,
    depth: usize,
    /// Per marker, the byte offsets where it may close a span, ascending.
    closers: Vec<Vec<usize>>,
    /// Where the last `}}` starts: no `{{` after it can be closed.
    last_mono_close: Option<usize>,
}

impl<'a> Line<'a> {
    fn new(s: &'a str, ctx: &'a MarkupContext<'a>, depth: usize) -> Self {
        let closers = if depth < MAX_DEPTH { closers(s) } else { Vec::new() };
        Line { s, ctx, depth, closers, last_mono_close: s.rfind("}}") }
    }

    fn run(&self) -> String {
        let mut out = String::with_capacity(self.s.len());
        let mut i = 0;
        while let Some(c) = self.s[i..].chars().next() {
            match self.token(i) {
                Some((text, next)) => {
                    out.push_str(&text);
                    i = next;
                }
                None => {
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        out
    }

    /// The markdown for a token starting at byte `i`, and where the token ends.
    fn token(&self, i: usize) -> Option<(String, usize)> {
        match self.s.as_bytes()[i] {
            b'\\' => escape(&self.s[i..]).map(|(text, len)| (text, i + len)),
            b'{' => self.brace(i),
            b'[' => self.bracket(i),
            b'!' => self.image(i),
            _ => url_len(self.s, i).map(|len| (self.s[i..i + len].to_string(), i + len)).or_else(|| self.emphasis(i)),
        }
    }

    fn nested(&self, inner: &str) -> String {
        Line::new(inner, self.ctx, self.depth + 1).run()
    }

    fn brace(&self, i: usize) -> Option<(String, usize)> {
        if self.s[i..].starts_with("{{") {
            return self.monospace(i);
        }
        scan::macro_tag(self.s, i, "color").map(|(_, end)| (String::new(), end))
    }

    fn monospace(&self, i: usize) -> Option<(String, usize)> {
        if self.last_mono_close.is_none_or(|last| last < i + 2) {
            return None;
        }
        let close = i + 2 + self.s[i + 2..].find("}}")?;
        let code = &self.s[i + 2..close];
        (!code.is_empty()).then(|| (md::code_span(code), close + 2))
    }

    /// `[...]` on one line, not nested: links, mentions and attachments.
    fn bracket(&self, i: usize) -> Option<(String, usize)> {
        let rest = &self.s[i + 1..];
        let close = rest.find(['[', ']']).filter(|&k| rest.as_bytes()[k] == b']')?;
        self.link(&rest[..close]).map(|text| (text, i + close + 2))
    }

    fn link(&self, inner: &str) -> Option<String> {
        if let Some(user) = inner.strip_prefix('~') {
            return non_blank(user).map(|u| self.ctx.mention_text(u));
        }
        if let Some(file) = inner.strip_prefix('^') {
            return non_blank(file).map(|f| link(f, self.ctx.issue_url));
        }
        match inner.split_once('|') {
            Some((alias, target)) => self.aliased(alias.trim(), target.split('|').next().unwrap_or("").trim()),
            None => is_url(inner.trim()).then(|| autolink(inner.trim())),
        }
    }

    /// `[alias|target]`; a `|tooltip` after the target is already dropped.
    fn aliased(&self, alias: &str, target: &str) -> Option<String> {
        if target.is_empty() {
            return None;
        }
        if alias.is_empty() {
            return self.link(target);
        }
        let url = match target.strip_prefix('^') {
            Some(_) => self.ctx.issue_url,
            None => target,
        };
        Some(link(&self.nested(alias), url))
    }

    /// `!name!` becomes a link, never an embedded image (SPEC §5.7): to the picture when it
    /// is a URL, else to the issue, which holds the attachment.
    fn image(&self, i: usize) -> Option<(String, usize)> {
        let end = image_end(self.s, i)?;
        let name = self.s[i + 1..end - 1].split('|').next().unwrap_or("").trim();
        let text = if is_url(name) { link(md::file_name(name), name) } else { link(name, self.ctx.issue_url) };
        Some((text, end))
    }

    fn emphasis(&self, i: usize) -> Option<(String, usize)> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        let (k, &(marker, before, after)) = MARKERS.iter().enumerate().find(|(_, m)| self.s[i..].starts_with(m.0))?;
        if !is_opener(self.s, i, marker) {
            return None;
        }
        let start = i + marker.len();
        let list = &self.closers[k];
        let close = *list.get(list.partition_point(|&p| p <= start))?;
        let inner = self.nested(&self.s[start..close]);
        Some((format!("{before}{inner}{after}"), close + marker.len()))
    }
}

/// The end of an image token `!name!` / `!name|params!` starting at byte `i`.
pub(super) fn image_end(s: &str, i: usize) -> Option<usize> {
    if prev_char(s, i).is_some_and(char::is_alphanumeric) {
        return None;
    }
    let rest = s.get(i + 1..)?;
    let close = rest.find('!')?;
    let name = rest[..close].split('|').next().unwrap_or("");
    looks_like_file(name).then_some(i + close + 2)
}

fn looks_like_file(name: &str) -> bool {
    if name.is_empty() || name.trim() != name {
        return false;
    }
    if is_url(name) {
        return !name.contains(char::is_whitespace);
    }
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

fn is_url(s: &str) -> bool {
    URL_SCHEMES.iter().any(|scheme| starts_with_ignore_case(s, scheme)) && !s.contains(char::is_whitespace)
}

/// A bare URL at byte `i` runs to the next whitespace and is copied as it is.
fn url_len(s: &str, i: usize) -> Option<usize> {
    let rest = &s[i..];
    let starts = URL_SCHEMES.iter().any(|scheme| starts_with_ignore_case(rest, scheme));
    if !starts || prev_char(s, i).is_some_and(char::is_alphanumeric) {
        return None;
    }
    Some(rest.find(char::is_whitespace).unwrap_or(rest.len()))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// `\\` is a line break; `\X` shows X (markdown-escaped where markdown would act on it).
fn escape(rest: &str) -> Option<(String, usize)> {
    let c = rest[1..].chars().next()?;
    if c == '\\' {
        return Some(("  \n".to_string(), 2));
    }
    if !JIRA_ESCAPABLE.contains(c) {
        return None;
    }
    let text = if MARKDOWN_ESCAPED.contains(c) { format!("\\{c}") } else { c.to_string() };
    Some((text, 1 + c.len_utf8()))
}

fn non_blank(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|t| !t.is_empty())
}

fn prev_char(s: &str, i: usize) -> Option<char> {
    s[..i].chars().next_back()
}

fn marker_char(marker: &str) -> Option<char> {
    marker.chars().next()
}

/// Opens after start, space or punctuation, before a non-space; a doubled marker is not one.
fn is_opener(s: &str, i: usize, marker: &str) -> bool {
    let m = marker_char(marker);
    let before_ok = prev_char(s, i).is_none_or(|c| !c.is_alphanumeric() && Some(c) != m);
    let next = s[i + marker.len()..].chars().next();
    before_ok && next.is_some_and(|c| !c.is_whitespace() && Some(c) != m)
}

/// Closes after a non-space, before end, space or punctuation.
fn is_closer(s: &str, p: usize, marker: &str) -> bool {
    let m = marker_char(marker);
    let before_ok = prev_char(s, p).is_some_and(|c| !c.is_whitespace() && Some(c) != m);
    let next = s[p + marker.len()..].chars().next();
    before_ok && next.is_none_or(|c| !c.is_alphanumeric() && Some(c) != m)
}

fn closers(s: &str) -> Vec<Vec<usize>> {
    let mut lists = vec![Vec::new(); MARKERS.len()];
    for (p, _) in s.char_indices() {
        for (k, (marker, ..)) in MARKERS.iter().enumerate() {
            if s[p..].starts_with(marker) && is_closer(s, p, marker) {
                lists[k].push(p);
            }
        }
    }
    lists
}
