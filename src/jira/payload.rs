//! Tolerant access to a webhook payload held as `serde_json::Value`.

use serde_json::Value;

/// A parsed webhook body with helpers that answer "" or `None` for anything missing.
#[derive(Debug, Clone)]
pub struct Payload(pub Value);

impl Payload {
    /// Parses raw bytes; the error is a short reason fit for a 400 body.
    pub fn parse(body: &[u8]) -> Result<Payload, String> {
        serde_json::from_slice(body).map(Payload).map_err(|e| short_json_error(&e))
    }

    /// The value at `path`, or `None`.
    pub fn at(&self, path: &[&str]) -> Option<&Value> {
        at(&self.0, path)
    }

    /// The string at `path`, or "" when missing or not a string.
    pub fn str(&self, path: &[&str]) -> &str {
        str_at(&self.0, path)
    }

    pub fn webhook_event(&self) -> &str {
        self.str(&["webhookEvent"])
    }

    pub fn issue_event_type(&self) -> &str {
        self.str(&["issue_event_type_name"])
    }

    /// `issue.fields` when it is an object: payloads without it are not issue events.
    pub fn issue_fields(&self) -> Option<&serde_json::Map<String, Value>> {
        self.at(&["issue", "fields"]).and_then(Value::as_object)
    }

    /// Changelog items that are objects.
    pub fn changelog_items(&self) -> Vec<&Value> {
        match self.at(&["changelog", "items"]) {
            Some(Value::Array(items)) => items.iter().filter(|i| i.is_object()).collect(),
            _ => Vec::new(),
        }
    }
}

/// The value at `path` below `value`.
pub fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

/// The string at `path`, or "" (numbers are rendered, since some Jira ids are numeric).
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    match at(value, path) {
        Some(Value::String(s)) => s,
        _ => "",
    }
}

/// A string or number at `path`, as text (ids arrive as either).
pub fn id_at(value: &Value, path: &[&str]) -> String {
    match at(value, path) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A user object shown as a person: first non-blank of display name, name, account id,
/// key, e-mail.
pub fn user_name(user: Option<&Value>) -> Option<String> {
    let user = user?;
    ["displayName", "name", "accountId", "key", "emailAddress"]
        .iter()
        .map(|k| str_at(user, &[k]).trim())
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

/// Where webhook payloads carry user objects: the actor, the issue's people, the comment's
/// authors.
const USER_PATHS: &[&[&str]] = &[
    &["user"],
    &["issue", "fields", "assignee"],
    &["issue", "fields", "reporter"],
    &["issue", "fields", "creator"],
    &["comment", "author"],
    &["comment", "updateAuthor"],
];

/// The people a payload names, as (mention reference, display name): a Cloud user is
/// mentioned as `accountid:<id>`, a Server user by name or key. Lets mentions of these
/// people show their display names without asking Jira.
pub fn people(payload: &Payload) -> Vec<(String, String)> {
    let mut people = Vec::new();
    for path in USER_PATHS {
        let Some(user) = payload.at(path) else { continue };
        let display = str_at(user, &["displayName"]).trim();
        if display.is_empty() {
            continue;
        }
        let account = str_at(user, &["accountId"]).trim();
        let references = [
            (!account.is_empty()).then(|| format!("accountid:{account}")),
            Some(str_at(user, &["name"]).trim().to_string()),
            Some(str_at(user, &["key"]).trim().to_string()),
        ];
        for reference in references.into_iter().flatten().filter(|r| !r.is_empty()) {
            if !people.iter().any(|(known, _)| *known == reference) {
                people.push((reference, display.to_string()));
            }
        }
    }
    people
}

fn short_json_error(e: &serde_json::Error) -> String {
    let mut text = e.to_string();
    text.truncate(120);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_wrongly_typed_fields_read_as_empty() {
        let p = Payload::parse(br#"{"issue":{"fields":null,"id":10}}"#).unwrap();
        assert_eq!(p.str(&["issue", "key"]), "");
        assert!(p.issue_fields().is_none());
        assert_eq!(id_at(&p.0, &["issue", "id"]), "10");
        assert!(p.changelog_items().is_empty());
    }

    #[test]
    fn user_name_prefers_display_name_then_fallbacks() {
        let v: Value = serde_json::json!({"displayName":" ","name":"","accountId":"abc"});
        assert_eq!(user_name(Some(&v)).as_deref(), Some("abc"));
        assert_eq!(user_name(Some(&serde_json::json!({}))), None);
    }

    #[test]
    fn people_are_known_by_account_id_name_and_key() {
        let p = Payload::parse(
            br#"{"user":{"accountId":"5b10","displayName":"Ann Lee"},
                 "issue":{"fields":{"assignee":{"name":"bob","key":"JIRAUSER1","displayName":"Bob Roe"},
                                    "reporter":{"accountId":"5b10","displayName":"Ann Lee"},
                                    "creator":{"name":"nodisplay"}}}}"#,
        )
        .unwrap();
        let people = people(&p);
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
    fn invalid_json_gives_a_short_reason() {
        let err = Payload::parse(b"{not json").unwrap_err();
        assert!(err.len() <= 120 && !err.is_empty());
    }
}
