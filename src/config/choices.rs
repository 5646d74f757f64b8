//! Settings that take one of a few names (`log.format = "json"`): each is an enum that
//! reads and writes its name, and whose error lists the accepted names.

use serde::{Deserialize, Serialize};

/// `expected "a" or "b"`, `expected "a", "b" or "c"`.
fn expected_one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    match quoted.split_last() {
        Some((last, [])) => format!("expected {last}"),
        Some((last, rest)) => format!("expected {} or {last}", rest.join(", ")),
        None => "expected nothing".into(),
    }
}

/// An enum of named choices, stored and shown as its name.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident default $default:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl Default for $name {
            fn default() -> Self {
                Self::$default
            }
        }

        impl $name {
            /// Every accepted name, in order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(expected_one_of(Self::NAMES)),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(name: String) -> Result<Self, Self::Error> {
                name.parse()
            }
        }

        impl From<$name> for String {
            fn from(choice: $name) -> String {
                choice.as_str().to_owned()
            }
        }
    };
}

choice! {
    /// Line format of the log output.
    LogFormat default Text {
        /// Human-readable lines.
        Text = "text",
        /// One JSON object per line.
        Json = "json",
    }
}

choice! {
    /// When ephemeral messages are sent with `POST /posts/ephemeral` instead of inline.
    EphemeralViaApi default Auto {
        /// Only when the bot has the `system_admin` role.
        Auto = "auto",
        Always = "always",
        Never = "never",
    }
}

choice! {
    /// Previews of Jira issue links posted in channels.
    IssuePreviews default Off {
        Off = "off",
        /// A short preview under messages that link an issue.
        Links = "links",
    }
}

choice! {
    /// Who may edit channel subscriptions from chat (the plugin's role names).
    SubscriptionEditors default SystemAdmin {
        Users = "users",
        ChannelAdmin = "channel_admin",
        TeamAdmin = "team_admin",
        SystemAdmin = "system_admin",
    }
}

choice! {
    /// A way users may connect their Jira account.
    UserAuthMethod default Oauth {
        /// OAuth 1.0a on Server/Data Center, OAuth 2.0 on Cloud.
        Oauth = "oauth",
        /// Personal access token (Data Center).
        Pat = "pat",
        /// Atlassian API token (Cloud).
        ApiToken = "api_token",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_errors_list_them() {
        assert_eq!("api_token".parse::<UserAuthMethod>(), Ok(UserAuthMethod::ApiToken));
        assert_eq!(String::from(SubscriptionEditors::ChannelAdmin), "channel_admin");
        assert_eq!("x".parse::<LogFormat>(), Err(r#"expected "text" or "json""#.to_string()));
        assert_eq!("x".parse::<EphemeralViaApi>(), Err(r#"expected "auto", "always" or "never""#.to_string()));
    }
}
