//! Text from Jira is untrusted (SPEC §5.7): anyone who can edit an issue writes it, and it
//! lands in posts that a whole channel reads. `render` passes every string of a post
//! through [`quiet_mentions`], so no Jira text can notify a channel, and the strings it does
//! not convert from markup through [`defuse`]; the markup converters write links with
//! [`link`] and defuse their own output (`markdown`), so no Jira text embeds an image or
//! links anywhere but to `http`, `https` and `mailto` URLs.

mod markdown;
#[cfg(test)]
mod tests;

pub use markdown::{autolink, defuse, link};
pub(crate) use markdown::{defuse_converted, CODE_END, CODE_START};

/// The mentions that notify everyone in a channel.
const CHANNEL_WIDE: [&str; 3] = ["all", "channel", "here"];

/// Invisible, and it keeps the two words joined: the text reads and wraps as before.
const WORD_JOINER: char = '\u{2060}';

/// `@all`, `@channel` and `@here` (any case, as whole words) with a word joiner after the
/// `@`, so Mattermost notifies nobody and the text reads the same. An `@` after a letter,
/// digit or `_` is part of a word (`ops@here.com`) and stays as it is.
pub fn quiet_mentions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev = None;
    for (i, c) in text.char_indices() {
        out.push(c);
        if c == '@' && !prev.is_some_and(is_word_char) && CHANNEL_WIDE.iter().any(|w| word_at(&text[i + 1..], w)) {
            out.push(WORD_JOINER);
        }
        prev = Some(c);
    }
    out
}

/// Whether `rest` starts with `word` (ASCII case ignored) and the word ends there. Only a
/// letter or digit continues it: Mattermost may still read `@here.`, `@here_` or
/// `@here-team` as `@here`, and a joiner too many costs nothing.
fn word_at(rest: &str, word: &str) -> bool {
    let Some(head) = rest.get(..word.len()) else { return false };
    head.eq_ignore_ascii_case(word) && !rest[word.len()..].chars().next().is_some_and(char::is_alphanumeric)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
