//! Tolerant access to a whole webhook payload held as `serde_json::Value`: for routing by
//! any field (subscription filters, instance detection). Normalizing reads only a few fields
//! and uses the lighter [`super::webhook_fields::Webhook`].

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

    /// `issue.fields` when it is an object: payloads without it are not issue events.
    pub fn issue_fields(&self) -> Option<&serde_json::Map<String, Value>> {
        self.at(&["issue", "fields"]).and_then(Value::as_object)
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

pub(super) fn short_json_error(e: &serde_json::Error) -> String {
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
    }

    #[test]
    fn invalid_json_gives_a_short_reason() {
        let err = Payload::parse(b"{not json").unwrap_err();
        assert!(err.len() <= 120 && !err.is_empty());
    }
}
