//! Just enough Mattermost markdown → HTML for the event page's post preview: what jirabridge's
//! own posts use (bold, italic, strike-through, code, links, quotes, headings, lists, line
//! breaks). Everything is HTML-escaped first, and only http(s) links become anchors, so a
//! payload cannot inject markup into the console.

/// The preview HTML of a post's markdown.
pub fn to_html(markdown: &str) -> String {
    let mut html = String::new();
    let mut in_code_block = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            html.push_str(if in_code_block { "</code></pre>" } else { "<pre><code>" });
            in_code_block = !in_code_block;
            continue;
        }
        if in_code_block {
            html.push_str(&escape(line));
            html.push('\n');
            continue;
        }
        html.push_str(&block(line));
    }
    if in_code_block {
        html.push_str("</code></pre>");
    }
    html
}

/// One line outside code blocks.
fn block(line: &str) -> String {
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("> ").or_else(|| (trimmed == ">").then_some("")) {
        return format!("<blockquote>{}</blockquote>", inline(rest));
    }
    let hashes = trimmed.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
        return format!("<strong class=\"heading\">{}</strong><br>", inline(trimmed[hashes..].trim()));
    }
    if let Some(rest) = trimmed.strip_prefix("* ").or_else(|| trimmed.strip_prefix("- ")) {
        return format!("<span class=\"bullet\">• {}</span><br>", inline(rest));
    }
    if trimmed.is_empty() {
        return "<br>".into();
    }
    format!("{}<br>", inline(line))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Inline markup of one line: code spans first (their content stays literal), then links,
/// then emphasis.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find('`') else { break };
        out.push_str(&links(&rest[..start]));
        out.push_str(&format!("<code>{}</code>", escape(&rest[start + 1..start + 1 + len])));
        rest = &rest[start + 2 + len..];
    }
    out.push_str(&links(rest));
    out
}

/// `[text](http…)` → an anchor; other text gets emphasis.
fn links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else { break };
        let Some(end) = rest[close + 2..].find(')').map(|i| close + 2 + i) else { break };
        let (label, url) = (&rest[open + 1..close], &rest[close + 2..end]);
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
            out.push_str(&emphasis(&rest[..close + 2]));
            rest = &rest[close + 2..];
            continue;
        }
        out.push_str(&emphasis(&rest[..open]));
        out.push_str(&format!("<a href=\"{}\" rel=\"noreferrer noopener\">{}</a>", escape(url), emphasis(label)));
        rest = &rest[end + 1..];
    }
    out.push_str(&emphasis(rest));
    out
}

/// `**bold**`, `_italic_` and `~~struck~~` on escaped text.
fn emphasis(text: &str) -> String {
    let mut html = escape(text);
    for (marker, tag) in [("**", "strong"), ("~~", "del"), ("_", "em")] {
        html = pairs(&html, marker, tag);
    }
    html
}

/// Wraps each complete `marker…marker` pair in `<tag>`; a lone marker stays as it is. An
/// underscore pair must stand at word edges, as in CommonMark, so `snake_case_name` stays.
fn pairs(text: &str, marker: &str, tag: &str) -> String {
    let word_edges = marker == "_";
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::new();
    let mut rest = text;
    let mut searched = 0;
    while let Some(found) = rest[searched..].find(marker) {
        let start = searched + found;
        let after = &rest[start + marker.len()..];
        let Some(len) = after.find(marker).filter(|len| *len > 0) else { break };
        let closing_next = after[len + marker.len()..].chars().next();
        if word_edges && (is_word(rest[..start].chars().next_back()) || is_word(closing_next)) {
            searched = start + marker.len();
            continue;
        }
        out.push_str(&rest[..start]);
        out.push_str(&format!("<{tag}>{}</{tag}>", &after[..len]));
        rest = &after[len + marker.len()..];
        searched = 0;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_markdown_becomes_safe_html() {
        assert_eq!(
            to_html("Ann **created** a bug [KT-1: Crash <b>](https://jira.example.com/browse/KT-1)"),
            "Ann <strong>created</strong> a bug <a href=\"https://jira.example.com/browse/KT-1\" rel=\"noreferrer noopener\">KT-1: Crash &lt;b&gt;</a><br>"
        );
        assert_eq!(to_html("> quoted _text_"), "<blockquote>quoted <em>text</em></blockquote>");
        assert_eq!(to_html("~~Open~~ Done `a**b**`"), "<del>Open</del> Done <code>a**b**</code><br>");
        assert_eq!(to_html("```\n<script>x</script>\n```"), "<pre><code>&lt;script&gt;x&lt;/script&gt;\n</code></pre>");
        assert_eq!(to_html("[x](javascript:alert(1))"), "[x](javascript:alert(1))<br>");
        assert_eq!(to_html("snake_case_name and 2 ** 3"), "snake_case_name and 2 ** 3<br>");
        assert_eq!(to_html("an _emphasised_ word"), "an <em>emphasised</em> word<br>");
        assert_eq!(to_html("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;<br>");
    }
}
