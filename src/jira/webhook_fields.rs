//! The parts of a Jira webhook that normalizing reads, parsed straight from the body.
//!
//! Every field is optional and of any type (see `lenient`): a payload that is JSON always
//! parses, and what is missing or oddly typed reads as empty, as with [`super::payload`].
//! A body that is JSON but not an object reads as an empty webhook (ignored, not refused).

use serde::Deserialize;

use super::lenient::{IdText, NotNull, Objects, Slot, Str, Text};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Webhook<'a> {
    #[serde(rename = "webhookEvent", borrow)]
    pub webhook_event: Str<'a>,
    #[serde(rename = "issue_event_type_name", borrow)]
    pub issue_event_type: Str<'a>,
    #[serde(borrow)]
    pub timestamp: IdText<'a>,
    #[serde(borrow)]
    pub user: Slot<User<'a>>,
    #[serde(borrow)]
    pub issue: Slot<Issue<'a>>,
    #[serde(borrow)]
    pub comment: Slot<Comment<'a>>,
    #[serde(borrow)]
    pub changelog: Slot<Changelog<'a>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Issue<'a> {
    #[serde(borrow)]
    pub id: IdText<'a>,
    #[serde(borrow)]
    pub key: Str<'a>,
    #[serde(rename = "self", borrow)]
    pub self_url: Str<'a>,
    #[serde(borrow)]
    pub fields: Slot<Fields<'a>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Fields<'a> {
    #[serde(borrow)]
    pub summary: Str<'a>,
    #[serde(borrow)]
    pub issuetype: Slot<Named<'a>>,
    #[serde(borrow)]
    pub project: Slot<Keyed<'a>>,
    #[serde(borrow)]
    pub priority: Slot<Named<'a>>,
    #[serde(borrow)]
    pub assignee: Slot<User<'a>>,
    #[serde(borrow)]
    pub reporter: Slot<User<'a>>,
    #[serde(borrow)]
    pub creator: Slot<User<'a>>,
    pub description: Text,
    pub resolution: NotNull,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Named<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Keyed<'a> {
    #[serde(borrow)]
    pub key: Str<'a>,
}

/// A Jira user as payloads carry them: Cloud by account id, Server by name and key.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct User<'a> {
    #[serde(rename = "displayName", borrow)]
    pub display_name: Str<'a>,
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(rename = "accountId", borrow)]
    pub account_id: Str<'a>,
    #[serde(borrow)]
    pub key: Str<'a>,
    #[serde(rename = "emailAddress", borrow)]
    pub email: Str<'a>,
    #[serde(rename = "self", borrow)]
    pub self_url: Str<'a>,
}

impl User<'_> {
    /// Shown as a person: the first non-blank of display name, name, account id, key, e-mail.
    pub fn shown_name(&self) -> Option<String> {
        [&self.display_name, &self.name, &self.account_id, &self.key, &self.email]
            .iter()
            .map(|s| s.as_str().trim())
            .find(|s| !s.is_empty())
            .map(str::to_string)
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Comment<'a> {
    #[serde(borrow)]
    pub id: IdText<'a>,
    pub body: Text,
    #[serde(borrow)]
    pub created: Str<'a>,
    #[serde(borrow)]
    pub updated: Str<'a>,
    #[serde(rename = "self", borrow)]
    pub self_url: Str<'a>,
    #[serde(borrow)]
    pub author: Slot<User<'a>>,
    #[serde(rename = "updateAuthor", borrow)]
    pub update_author: Slot<User<'a>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Changelog<'a> {
    #[serde(borrow)]
    pub id: IdText<'a>,
    #[serde(borrow)]
    pub items: Objects<ChangeItem<'a>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ChangeItem<'a> {
    #[serde(borrow)]
    pub field: Str<'a>,
    #[serde(rename = "fromString", borrow)]
    pub from_string: Str<'a>,
    #[serde(rename = "toString", borrow)]
    pub to_string: Str<'a>,
    #[serde(borrow)]
    pub fieldtype: Str<'a>,
    #[serde(rename = "fieldId", borrow)]
    pub field_id: Str<'a>,
}

impl<'a> Webhook<'a> {
    /// The Jira base URL: `issue.self` (or `user.self`, `comment.self`) cut before its last
    /// `/rest/api`; empty when none names one.
    pub fn base_url(&self) -> String {
        let urls = [
            self.issue.object().map(|i| i.self_url.as_str()),
            self.user.object().map(|u| u.self_url.as_str()),
            self.comment.object().map(|c| c.self_url.as_str()),
        ];
        urls.into_iter()
            .flatten()
            .find_map(|url| url.rfind("/rest/api").map(|at| url[..at].to_string()))
            .unwrap_or_default()
    }

    /// Parses a body; the error is a short reason fit for a 400 answer.
    pub fn parse(body: &'a [u8]) -> Result<Webhook<'a>, String> {
        // Checked whole: the parser skips what it does not read without checking its UTF-8.
        // (It does not check skipped numbers' range or surrogate escapes either; see
        // ARCHITECTURE.md, "Tolerant JSON".)
        std::str::from_utf8(body).map_err(|e| format!("invalid UTF-8: {e}"))?;
        match serde_json::from_slice::<Slot<Webhook>>(body) {
            Ok(Slot::Object(webhook)) => Ok(webhook),
            Ok(_) => Ok(Webhook::default()),
            Err(e) => Err(super::payload::short_json_error(&e)),
        }
    }

    pub fn fields(&self) -> Option<&Fields<'a>> {
        self.issue.object().and_then(|issue| issue.fields.object())
    }

    /// The changelog items that are objects (none when there is no changelog array).
    pub fn changelog_items(&self) -> &[ChangeItem<'a>] {
        self.changelog.object().map(|c| c.items.0.as_slice()).unwrap_or(&[])
    }

    /// The people the payload names, as (mention reference, display name): a Cloud user is
    /// mentioned as `accountid:<id>`, a Server user by name or key. Lets mentions of these
    /// people show their display names without asking Jira.
    pub fn people(&self) -> Vec<(String, String)> {
        let fields = self.fields();
        let comment = self.comment.object();
        let users = [
            self.user.object(),
            fields.and_then(|f| f.assignee.object()),
            fields.and_then(|f| f.reporter.object()),
            fields.and_then(|f| f.creator.object()),
            comment.and_then(|c| c.author.object()),
            comment.and_then(|c| c.update_author.object()),
        ];
        let mut people: Vec<(String, String)> = Vec::new();
        for user in users.into_iter().flatten() {
            let display = user.display_name.as_str().trim();
            if display.is_empty() {
                continue;
            }
            let account = user.account_id.as_str().trim();
            let references = [
                (!account.is_empty()).then(|| format!("accountid:{account}")),
                Some(user.name.as_str().trim().to_string()),
                Some(user.key.as_str().trim().to_string()),
            ];
            for reference in references.into_iter().flatten().filter(|r| !r.is_empty()) {
                if !people.iter().any(|(known, _)| *known == reference) {
                    people.push((reference, display.to_string()));
                }
            }
        }
        people
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_that_is_not_an_object_is_an_empty_webhook_and_bad_json_a_short_reason() {
        assert_eq!(Webhook::parse(b"[1,2]").unwrap().webhook_event.as_str(), "");
        let err = Webhook::parse(b"{not json").unwrap_err();
        assert!(err.len() <= 120 && !err.is_empty());
        assert!(Webhook::parse(b"{\"a\":\"\xff\"}").unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn a_repeated_key_is_refused_only_where_it_is_read() {
        assert!(Webhook::parse(br#"{"webhookEvent":"a","webhookEvent":"b"}"#).unwrap_err().contains("duplicate"));
        let repeated_elsewhere = br#"{"webhookEvent":"a","other":1,"other":2}"#;
        assert_eq!(Webhook::parse(repeated_elsewhere).unwrap().webhook_event.as_str(), "a");
    }

    #[test]
    fn people_are_known_by_account_id_name_and_key() {
        let body = br#"{"user":{"accountId":"5b10","displayName":"Ann Lee"},
                 "issue":{"fields":{"assignee":{"name":"bob","key":"JIRAUSER1","displayName":"Bob Roe"},
                                    "reporter":{"accountId":"5b10","displayName":"Ann Lee"},
                                    "creator":{"name":"nodisplay"}}}}"#;
        let people = Webhook::parse(body).unwrap().people();
        assert_eq!(
            people,
            [
                ("accountid:5b10".to_string(), "Ann Lee".to_string()),
                ("bob".to_string(), "Bob Roe".to_string()),
                ("JIRAUSER1".to_string(), "Bob Roe".to_string()),
            ]
        );
    }

    #[test]
    fn shown_name_prefers_display_name_then_fallbacks() {
        let user: User = serde_json::from_str(r#"{"displayName":" ","name":"","accountId":"abc"}"#).unwrap();
        assert_eq!(user.shown_name().as_deref(), Some("abc"));
        assert_eq!(User::default().shown_name(), None);
    }
}
