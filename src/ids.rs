//! The ids that cross module boundaries, each a type of its own so that one cannot be passed
//! where another is wanted: Mattermost's `ChannelId` and `MmUserId`, Jira's `InstanceId` (an
//! instance's normalized base URL) and `JiraIssueKey`, and the `InstanceType` an instance's
//! URL implies. Foundation, like `utc`: no IO and no import from the crate, so every layer,
//! the leaves (`store`, `mattermost`, `jira`) included, can name them.
//!
//! `parse` checks text from outside (a form, a query, a URL an admin typed). Decoding takes
//! the text as it is (`#[serde(transparent)]`, the stored and JSON forms are plain strings):
//! the store must read back whatever an older version wrote, and a subscription's JSON is
//! checked by its validation, which reports a malformed id with its field's path.
//! `unchecked` wraps text without the check: what jirabridge or Mattermost made (their
//! answers, our own ids, test data), or what a validation checks next and reports.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a text is not the id asked for; the message is a sentence for whoever typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidId(pub String);

/// The common face of the string ids: read access, `Display`, and the trusted constructor.
macro_rules! string_id {
    ($name:ident) => {
        impl $name {
            /// Without the shape check (see the module's header for when that is right).
            pub fn unchecked(text: impl Into<String>) -> $name {
                $name(text.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

/// Mattermost's ids: 26 lower-case letters or digits.
pub fn is_mattermost_id(text: &str) -> bool {
    text.len() == 26 && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A Mattermost channel's id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelId(String);
string_id!(ChannelId);

impl ChannelId {
    pub fn parse(text: &str) -> Result<ChannelId, InvalidId> {
        match is_mattermost_id(text) {
            true => Ok(ChannelId(text.to_string())),
            false => Err(InvalidId(format!("`{text}` is not a Mattermost channel id"))),
        }
    }

    /// None given: a subscription's JSON without one (its validation says so), a post
    /// before it has a channel (a preview).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A Mattermost user's id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MmUserId(String);
string_id!(MmUserId);

impl MmUserId {
    pub fn parse(text: &str) -> Result<MmUserId, InvalidId> {
        match is_mattermost_id(text) {
            true => Ok(MmUserId(text.to_string())),
            false => Err(InvalidId(format!("`{text}` is not a Mattermost user id"))),
        }
    }
}

/// A Jira instance's id (SPEC §7.1): its base URL, https when no scheme is given, without a
/// trailing slash, otherwise as written (so ids equal the plugin's and webhook URLs made
/// with them keep working).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InstanceId(String);
string_id!(InstanceId);

impl InstanceId {
    /// The id of the Jira an admin names by URL; the errors are the plugin's sentences.
    pub fn parse(input: &str) -> Result<InstanceId, InvalidId> {
        let no_host = || InvalidId(format!("Invalid URL, no hostname: \"{input}\""));
        let trimmed = input.trim();
        let with_scheme = if trimmed.contains("://") { trimmed.to_string() } else { format!("https://{trimmed}") };
        let parsed = url::Url::parse(&with_scheme).map_err(|_| no_host())?;
        if parsed.host_str().is_none_or(str::is_empty) || !matches!(parsed.scheme(), "http" | "https") {
            return Err(no_host());
        }
        // The id is shown in the console and inside webhook URLs: credentials in it would be
        // published there (and Jira is never called that way).
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(InvalidId("Invalid URL: it must not contain a user name or password".into()));
        }
        Ok(InstanceId(with_scheme.trim_end_matches('/').to_string()))
    }

    /// The type its host implies.
    pub fn instance_type(&self) -> InstanceType {
        InstanceType::of_url(&self.0)
    }
}

/// A Jira issue key such as `OPS-12`: a project key (a letter, then letters, digits or
/// `_`), a dash and the issue's number. Jira writes keys in upper case and finds them in
/// any case, so `parse` upper-cases.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JiraIssueKey(String);
string_id!(JiraIssueKey);

impl JiraIssueKey {
    pub fn parse(text: &str) -> Result<JiraIssueKey, InvalidId> {
        let key = text.trim().to_ascii_uppercase();
        let well_formed = key.split_once('-').is_some_and(|(project, number)| {
            project.starts_with(|c: char| c.is_ascii_uppercase())
                && project.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        });
        match well_formed {
            true => Ok(JiraIssueKey(key)),
            false => Err(InvalidId(format!("`{}` is not a Jira issue key such as PROJ-123", text.trim()))),
        }
    }
}

/// Server (also Data Center) or Cloud. Stored and given in JSON as `server` or `cloud`: the
/// text an `InstanceRecordV1` held while its type was a `String`, so serde is written out
/// here (a derived enum is a variant index under bincode, which would change stored bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceType {
    Server,
    Cloud,
}

impl InstanceType {
    pub const ALL: [InstanceType; 2] = [InstanceType::Server, InstanceType::Cloud];

    /// Cloud exactly when the host ends with `.atlassian.net`.
    pub fn of_url(id: &str) -> InstanceType {
        let host = url::Url::parse(id).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default();
        if host.ends_with(".atlassian.net") {
            InstanceType::Cloud
        } else {
            InstanceType::Server
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InstanceType::Server => "server",
            InstanceType::Cloud => "cloud",
        }
    }

    pub fn parse(text: &str) -> Option<InstanceType> {
        InstanceType::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for InstanceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for InstanceType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InstanceType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = InstanceType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`server` or `cloud`")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<InstanceType, E> {
                // The message serde's derive gave, which the API has always answered.
                InstanceType::parse(text).ok_or_else(|| E::unknown_variant(text, &["server", "cloud"]))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mattermost_ids_are_26_lower_case_letters_or_digits() {
        assert!(ChannelId::parse("4fgt3n51f7ftpff91gk1iy1ew9").is_ok());
        assert!(MmUserId::parse("kx9wqy3m7bn8ffe4ob1t5dq6ha").is_ok());
        for bad in [
            "",
            "town-square",
            "4FGT3N51F7FTPFF91GK1IY1EW9",
            "4fgt3n51f7ftpff91gk1iy1ew",
            "4fgt3n51f7ftpff91gk1iy1ew9x",
        ] {
            assert!(ChannelId::parse(bad).is_err(), "{bad}");
            assert!(MmUserId::parse(bad).is_err(), "{bad}");
        }
        assert!(ChannelId::parse("nope").unwrap_err().to_string().contains("not a Mattermost channel id"));
    }

    #[test]
    fn instance_ids_normalize_like_the_plugin() {
        let id = |text: &str| InstanceId::parse(text).map(InstanceId::into_string);
        assert_eq!(id("jira.example.com").unwrap(), "https://jira.example.com");
        assert_eq!(id("https://jira.example.com/").unwrap(), "https://jira.example.com");
        assert_eq!(id("http://Jira.Example.com:8080/jira/").unwrap(), "http://Jira.Example.com:8080/jira");
        assert!(id("https://").unwrap_err().to_string().contains("no hostname"));
        assert!(id("https://user:pass@jira.example.com").unwrap_err().to_string().contains("user name or password"));
        assert!(id("https://user@jira.example.com").is_err());
        assert!(id("").is_err());
        assert_eq!(InstanceId::parse("acme.atlassian.net").unwrap().instance_type(), InstanceType::Cloud);
    }

    #[test]
    fn issue_keys_are_upper_cased_and_need_a_project_and_a_number() {
        let key = JiraIssueKey::parse(" ops-12 ").unwrap();
        assert_eq!(key.as_str(), "OPS-12");
        assert_eq!(JiraIssueKey::parse("AB_2-7").unwrap().as_str(), "AB_2-7");
        for bad in ["", "OPS", "OPS-", "-12", "2OPS-1", "OPS-1a", "OPS 1", "O-P-1"] {
            assert!(JiraIssueKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cloud_is_only_atlassian_net() {
        assert_eq!(InstanceType::of_url("https://acme.atlassian.net"), InstanceType::Cloud);
        assert_eq!(InstanceType::of_url("https://jira.atlassian.com"), InstanceType::Server);
    }

    #[test]
    fn ids_and_types_are_plain_strings_in_json() {
        let channel = ChannelId::unchecked("channel1");
        assert_eq!(serde_json::to_string(&channel).unwrap(), "\"channel1\"");
        assert_eq!(serde_json::from_str::<ChannelId>("\"channel1\"").unwrap(), channel, "decoding takes the text");
        assert_eq!(serde_json::to_string(&InstanceType::Cloud).unwrap(), "\"cloud\"");
        assert_eq!(serde_json::from_str::<InstanceType>("\"server\"").unwrap(), InstanceType::Server);
        let error = serde_json::from_str::<InstanceType>("\"onprem\"").unwrap_err().to_string();
        assert!(error.contains("unknown variant `onprem`, expected `server` or `cloud`"), "{error}");
    }
}
