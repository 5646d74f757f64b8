//! What markdown made from Jira text may do (SPEC §5.7): link only to `http`, `https` and
//! `mailto` URLs, and never embed an image (no tracking pixels, no fetches of internal hosts
//! by every reader's client). [`link`] and [`autolink`] write every link to a URL from Jira;
//! [`defuse`] escapes raw markdown typed in Jira text that would still make an image or
//! another link. The escapes change nothing a reader sees: `\!` shows `!`.

/// The URL beginnings a link may have (ASCII case ignored).
const ALLOWED: [&str; 3] = ["http://", "https://", "mailto:"];

/// Around a fenced code block that a markup converter wrote (`markup::md`): Unicode
/// noncharacters, which are for a program's own use. [`defuse_converted`] copies what is
/// between them unchanged, since Mattermost shows it as code, and drops them.
pub(crate) const CODE_START: char = '\u{FDD0}';
pub(crate) const CODE_END: char = '\u{FDD1}';

/// Whether a link may point at `url`.
pub fn link_allowed(url: &str) -> bool {
    ALLOWED.iter().any(|start| url.get(..start.len()).is_some_and(|head| head.eq_ignore_ascii_case(start)))
}

/// `[text](url)` when the URL may be linked. Otherwise the text and the URL as plain text
/// (`text (url)`, or the URL alone when it is the text), so a reader still sees where it
/// pointed. Without a URL, the text alone.
pub fn link(text: &str, url: &str) -> String {
    if url.is_empty() {
        text.to_string()
    } else if link_allowed(url) {
        format!("[{text}]({url})")
    } else if text.is_empty() || text == url {
        url.to_string()
    } else {
        format!("{text} ({url})")
    }
}

/// `<url>` when the URL may be linked, else the URL as plain text.
pub fn autolink(url: &str) -> String {
    if link_allowed(url) {
        format!("<{url}>")
    } else {
        url.to_string()
    }
}

/// Markdown from Jira text, such as a summary or a display name, with raw images and refused
/// links escaped: `![` becomes `\![`; a `(` after `]`, a `:` after a `[label]` that starts a
/// line (a link definition) and a `<scheme:…>` autolink get a backslash when the URL that
/// follows is not allowed.
pub fn defuse(text: &str) -> String {
    defuse_converted(text, false)
}

/// [`defuse`] for a markup converter's output. With `marks_are_ours`, a code block between
/// [`CODE_START`] and [`CODE_END`] is kept as it is; without (the converted text held such
/// characters itself, so they may be forged), nothing counts as code. The marks are dropped.
pub(crate) fn defuse_converted(text: &str, marks_are_ours: bool) -> String {
    let mut out = String::with_capacity(text.len());
    // Where the current line starts in `out`, and (once asked) whether it opens with a
    // `[label]`: asked once per line, so a long line is still read in one pass.
    let (mut line_start, mut opens) = (0, None);
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        i += c.len_utf8();
        let rest = &text[i..];
        match c {
            CODE_START if marks_are_ours => {
                let code = &rest[..rest.find(CODE_END).unwrap_or(rest.len())];
                out.push_str(code);
                if let Some(k) = code.rfind('\n') {
                    (line_start, opens) = (out.len() - (code.len() - k - 1), None);
                }
                i += code.len();
                continue;
            }
            CODE_START | CODE_END => continue,
            '!' if rest.starts_with('[') && !ends_escaped(&out) => out.push('\\'),
            '(' if after_bracket(&out) && !allowed_destination(rest) => out.push('\\'),
            ':' if after_bracket(&out)
                && *opens.get_or_insert_with(|| opens_line(&out[line_start..]))
                && !allowed_destination(rest) =>
            {
                out.push('\\')
            }
            '<' if !ends_escaped(&out) && refused_autolink(rest) => out.push('\\'),
            '\n' => (line_start, opens) = (out.len() + 1, None),
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Whether the next character is escaped by a backslash (an odd run of them ends `out`).
fn ends_escaped(out: &str) -> bool {
    (out.len() - out.trim_end_matches('\\').len()) % 2 == 1
}

fn after_bracket(out: &str) -> bool {
    out.strip_suffix(']').is_some_and(|before| !ends_escaped(before))
}

/// Whether the line so far is a `[label]`, perhaps inside quotes or list items: a following
/// `:` would make it a link definition.
fn opens_line(line: &str) -> bool {
    line.trim_start_matches(|c: char| matches!(c, ' ' | '\t' | '>' | '-' | '*' | '+' | '.' | ')' | '0'..='9'))
        .starts_with('[')
}

/// The link destination that follows (after spaces, a line break, a `<`) may be linked.
fn allowed_destination(rest: &str) -> bool {
    let blank = [' ', '\t', '\r'];
    let dest = rest.trim_start_matches(blank);
    let dest = dest.strip_prefix('\n').unwrap_or(dest).trim_start_matches(blank);
    link_allowed(dest.strip_prefix('<').unwrap_or(dest))
}

/// `rest` (after a `<`) is an autolink, `scheme:…>`, to a URL that may not be linked.
fn refused_autolink(rest: &str) -> bool {
    let Some(colon) = rest.char_indices().take(34).find(|&(_, c)| c == ':').map(|(k, _)| k) else {
        return false;
    };
    let scheme = &rest[..colon];
    let is_scheme = (2..=32).contains(&scheme.len())
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    let closed =
        || rest.find(|c: char| c.is_whitespace() || c == '<' || c == '>').is_some_and(|k| rest[k..].starts_with('>'));
    is_scheme && !link_allowed(rest) && closed()
}
