//! Single values: checking that a value has its key's declared type, parsing environment
//! strings by that type, and showing values in messages with secrets hidden.

use toml::Value;

use super::schema::is_secret;

/// What a key of this default's type accepts, phrased for "expected …".
pub(super) fn expected(default: &Value) -> &'static str {
    match default {
        Value::String(_) => "a string",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Array(_) => "a list",
        Value::Datetime(_) => "a date-time",
        Value::Table(_) => "a table",
    }
}

/// `Err(expected form)` when `got` does not have the default's type.
pub(super) fn check(default: &Value, got: &Value) -> Result<(), &'static str> {
    if std::mem::discriminant(default) != std::mem::discriminant(got) {
        return Err(expected(default));
    }
    match got {
        // Every integer setting is unsigned.
        Value::Integer(n) if *n < 0 => Err("a whole number (0 or more)"),
        _ => Ok(()),
    }
}

/// Parses an environment string as the default's type; lists are comma-separated.
pub(super) fn parse_env(default: &Value, raw: &str) -> Result<Value, &'static str> {
    let wrong = expected(default);
    match default {
        Value::String(_) => Ok(Value::String(raw.to_owned())),
        Value::Integer(_) => raw.trim().parse().map(Value::Integer).map_err(|_| wrong),
        Value::Float(_) => raw.trim().parse().map(Value::Float).map_err(|_| wrong),
        Value::Boolean(_) => parse_bool(raw).map(Value::Boolean).ok_or(wrong),
        Value::Array(_) => Ok(Value::Array(comma_list(raw))),
        Value::Datetime(_) => raw.trim().parse().map(Value::Datetime).map_err(|_| wrong),
        Value::Table(_) => Err("a table, which cannot be set from the environment"),
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn comma_list(raw: &str) -> Vec<Value> {
    raw.split(',').map(str::trim).filter(|item| !item.is_empty()).map(|item| Value::String(item.to_owned())).collect()
}

/// Serde's message for a typed value, with Rust integer types ("expected u32") turned
/// into the range an admin can act on.
pub(super) fn explain(message: &str) -> String {
    let limits = [("u8", u64::from(u8::MAX)), ("u16", u16::MAX.into()), ("u32", u32::MAX.into())];
    for (name, max) in limits {
        if message.ends_with(&format!("expected {name}")) {
            return format!("expected a whole number from 0 to {max}");
        }
    }
    message.to_owned()
}

/// A value as it may appear in a message: TOML syntax, or `(hidden)` for a secret key.
pub(super) fn show(key: &str, value: &Value) -> String {
    if is_secret(key) {
        "(hidden)".to_owned()
    } else {
        value.to_string()
    }
}

/// A raw environment string as it may appear in a message.
pub(super) fn show_raw(key: &str, raw: &str) -> String {
    show(key, &Value::String(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_strings_parse_by_declared_type() {
        let int = Value::Integer(0);
        assert_eq!(parse_env(&int, " 42 "), Ok(Value::Integer(42)));
        assert_eq!(parse_env(&int, "big"), Err("a whole number"));
        assert_eq!(parse_env(&Value::Boolean(false), "TRUE"), Ok(Value::Boolean(true)));
        assert_eq!(parse_env(&Value::Boolean(false), "yes"), Err("true or false"));
        let text = Value::String(String::new());
        assert_eq!(parse_env(&text, "12345"), Ok(Value::String("12345".into())));
    }

    #[test]
    fn lists_come_from_comma_lists() {
        let list = parse_env(&Value::Array(vec![]), "a, b,,c").unwrap();
        assert_eq!(list.to_string(), r#"["a", "b", "c"]"#);
    }

    #[test]
    fn negative_numbers_are_rejected() {
        assert_eq!(check(&Value::Integer(1), &Value::Integer(-1)), Err("a whole number (0 or more)"));
        assert_eq!(check(&Value::Integer(1), &Value::Boolean(true)), Err("a whole number"));
    }

    #[test]
    fn secrets_are_hidden_in_messages() {
        assert_eq!(show_raw("webhook.secret", "hunter22"), "(hidden)");
        assert_eq!(show_raw("log.level", "loud"), r#""loud""#);
    }
}
