//! What people paste to name a channel (SPEC §6.9): its id, `team/channel` names, the
//! channel's link (`https://chat.example.com/team/channels/name`, a site under a sub-path
//! too), or a message's permalink (`…/team/pl/<post id>`), whose channel Mattermost knows.
//! Pure; the console turns a reference into an id through the API.

use crate::ids::ChannelId;

/// A channel as someone named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelRef {
    Id(ChannelId),
    Names {
        team: String,
        channel: String,
    },
    /// A message in the channel.
    Post(String),
}

/// Reads `input`; `None` when it is none of the accepted forms.
pub fn parse(input: &str) -> Option<ChannelRef> {
    let input = input.trim();
    if let Ok(id) = ChannelId::parse(input) {
        return Some(ChannelRef::Id(id));
    }
    if let Some(after_scheme) = input.strip_prefix("https://").or_else(|| input.strip_prefix("http://")) {
        return from_link(after_scheme);
    }
    let (team, channel) = input.split_once('/')?;
    names(team, channel.trim_start_matches('~'))
}

/// A link without its scheme: host, an optional sub-path, then `team/channels/name` or
/// `team/pl/id` (query and fragment ignored).
fn from_link(after_scheme: &str) -> Option<ChannelRef> {
    let path = after_scheme.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    let [.., team, kind, last] = segments.as_slice() else { return None };
    match *kind {
        "channels" => names(team, last),
        "pl" if crate::ids::MmUserId::parse(last).is_ok() => Some(ChannelRef::Post(last.to_string())),
        _ => None,
    }
}

/// Mattermost's team and channel names: lowercase letters, digits, `-` and `_` (channel
/// names of direct messages also hold `__`, which passes).
fn names(team: &str, channel: &str) -> Option<ChannelRef> {
    let valid = |name: &str| {
        !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    };
    let (team, channel) = (team.trim(), channel.trim());
    (valid(team) && valid(channel)).then(|| ChannelRef::Names { team: team.into(), channel: channel.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_of(team: &str, channel: &str) -> Option<ChannelRef> {
        Some(ChannelRef::Names { team: team.into(), channel: channel.into() })
    }

    #[test]
    fn every_accepted_form_reads() {
        let id = "4fgt3n51f7ftpff91gk1iy1ew9";
        let post = "kx9wqy3m7bn8ffe4ob1t5dq6ha";
        let cases = [
            (id.to_string(), Some(ChannelRef::Id(ChannelId::unchecked(id)))),
            (" contributors/jira-feed ".into(), names_of("contributors", "jira-feed")),
            ("contributors/~jira-feed".into(), names_of("contributors", "jira-feed")),
            ("https://chat.example.com/contributors/channels/jira-feed".into(), names_of("contributors", "jira-feed")),
            (
                "http://chat.example.com/mm/contributors/channels/town-square?x=1#y".into(),
                names_of("contributors", "town-square"),
            ),
            (format!("https://chat.example.com/contributors/pl/{post}"), Some(ChannelRef::Post(post.into()))),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(&input), expected, "{input}");
        }
    }

    #[test]
    fn other_text_is_not_a_channel() {
        for input in [
            "",
            "jira-feed",
            "Contributors/Jira Feed",
            "team/../admin",
            "https://chat.example.com/",
            "https://chat.example.com/contributors/pl/short",
            "https://chat.example.com/contributors/messages/@ada",
            "ftp://chat.example.com/t/channels/c",
        ] {
            assert_eq!(parse(input), None, "{input}");
        }
    }
}
