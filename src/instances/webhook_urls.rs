//! The webhook URLs to paste into Jira, built in one place (SPEC §9.4) for `/jira webhook`,
//! the console's webhook URLs page, the instances page and the API: the plugin-compatible
//! paths under `/plugins/jira`, the instance named by its base64 id (which an alias change
//! cannot break), and the secret (or a placeholder) URL-encoded.

use crate::jira::instance::encode_id;

/// What stands in for the secret where the secret is not to be shown.
pub const SECRET_PLACEHOLDER: &str = "<webhook secret>";

/// The two URLs for one instance (or for webhooks without an instance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrls {
    /// The subscriptions (firehose) webhook.
    pub subscriptions: String,
    /// The legacy per-channel webhook for `team` and `channel`, with the `updated_*` flags.
    pub legacy: String,
}

/// Where the URLs point and what they carry.
pub struct UrlParts<'a> {
    /// `server.public_url` (or the listen address).
    pub public_base: &'a str,
    /// The instance id; `None` for the URLs without an instance.
    pub instance_id: Option<&'a str>,
    /// The secret, or [`SECRET_PLACEHOLDER`].
    pub secret: &'a str,
    pub team: &'a str,
    pub channel: &'a str,
    pub flags: &'a [&'a str],
}

/// Builds both URLs. A placeholder (`<…>`) is written as is, so it reads as one.
pub fn build(parts: &UrlParts<'_>) -> WebhookUrls {
    let base = match parts.instance_id {
        Some(id) => format!("{}/plugins/jira/instance/{}", parts.public_base, encode_id(id)),
        None => format!("{}/plugins/jira", parts.public_base),
    };
    let value = |text: &str| {
        if text.starts_with('<') && text.ends_with('>') {
            text.to_string()
        } else {
            url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
        }
    };
    let secret = value(parts.secret);
    let mut legacy =
        format!("{base}/webhook?secret={secret}&team={}&channel={}", value(parts.team), value(parts.channel));
    for flag in parts.flags {
        legacy.push_str(&format!("&{flag}=1"));
    }
    WebhookUrls { subscriptions: format!("{base}/api/v2/webhook?secret={secret}"), legacy }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_encoded_instance_secret_names_and_flags() {
        let parts = UrlParts {
            public_base: "https://jb.example",
            instance_id: Some("https://jira.example.com"),
            secret: "s3cr&t+/",
            team: "eng",
            channel: "town square",
            flags: &["updated_comments"],
        };
        let urls = build(&parts);
        let encoded = encode_id("https://jira.example.com");
        assert_eq!(
            urls.subscriptions,
            format!("https://jb.example/plugins/jira/instance/{encoded}/api/v2/webhook?secret=s3cr%26t%2B%2F")
        );
        assert_eq!(
            urls.legacy,
            format!("https://jb.example/plugins/jira/instance/{encoded}/webhook?secret=s3cr%26t%2B%2F&team=eng&channel=town+square&updated_comments=1")
        );
        let template = build(&UrlParts {
            instance_id: None,
            secret: SECRET_PLACEHOLDER,
            team: "<team>",
            channel: "<channel>",
            flags: &[],
            ..parts
        });
        assert_eq!(template.subscriptions, "https://jb.example/plugins/jira/api/v2/webhook?secret=<webhook secret>");
        assert_eq!(
            template.legacy,
            "https://jb.example/plugins/jira/webhook?secret=<webhook secret>&team=<team>&channel=<channel>"
        );
    }
}
