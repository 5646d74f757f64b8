//! Values every layer passes around, typed: for now the `InstanceType` of a Jira instance.
//! Foundation, like `utc`: no IO and no import from the crate, so every layer, the leaves
//! (`store`, `mattermost`, `jira`) included, can name them.

use std::fmt;

use serde::{Deserialize, Serialize};

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
    fn cloud_is_only_atlassian_net() {
        assert_eq!(InstanceType::of_url("https://acme.atlassian.net"), InstanceType::Cloud);
        assert_eq!(InstanceType::of_url("https://jira.atlassian.com"), InstanceType::Server);
    }

    #[test]
    fn the_type_is_a_plain_string_in_json() {
        assert_eq!(serde_json::to_string(&InstanceType::Cloud).unwrap(), "\"cloud\"");
        assert_eq!(serde_json::from_str::<InstanceType>("\"server\"").unwrap(), InstanceType::Server);
        let error = serde_json::from_str::<InstanceType>("\"onprem\"").unwrap_err().to_string();
        assert!(error.contains("unknown variant `onprem`, expected `server` or `cloud`"), "{error}");
    }
}
