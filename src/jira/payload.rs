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
    fn invalid_json_gives_a_short_reason() {
        let err = Payload::parse(b"{not json").unwrap_err();
        assert!(err.len() <= 120 && !err.is_empty());
    }
}
