//! The plugin's key-value export (SPEC §13): JSON lines `{"key", "value_b64", "expire_at"}`,
//! as the README's SQL writes them. Base64 may be wrapped over several lines by the database
//! and in either alphabet; `expire_at` is Unix milliseconds, 0 for never. Any bad line makes
//! the whole file unreadable, with its 1-based number: nothing is imported from half a file.

use base64::Engine;
use serde::Deserialize;

/// One row of `PluginKeyValueStore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvRow {
    pub key: String,
    pub value: Vec<u8>,
    /// Unix ms; 0 = never.
    pub expire_at: i64,
}

/// Why the export cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct KvError {
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
struct Line {
    key: Option<String>,
    value_b64: Option<String>,
    #[serde(default)]
    expire_at: Option<serde_json::Value>,
}

/// Reads every row, or the first bad line.
pub fn read(text: &str) -> Result<Vec<KvRow>, KvError> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let error = |message: String| KvError { line: index + 1, message };
        let parsed: Line = serde_json::from_str(line).map_err(|e| error(format!("not a JSON object: {e}")))?;
        let key = parsed.key.filter(|k| !k.is_empty()).ok_or_else(|| error("key is missing".into()))?;
        let encoded = parsed.value_b64.ok_or_else(|| error("value_b64 is missing".into()))?;
        let value = decode(&encoded).ok_or_else(|| error("value_b64 is not base64".into()))?;
        let expire_at = match parsed.expire_at {
            None | Some(serde_json::Value::Null) => 0,
            Some(serde_json::Value::Number(n)) => {
                n.as_i64().ok_or_else(|| error("expire_at is not a whole number".into()))?
            }
            Some(serde_json::Value::String(s)) => {
                s.trim().parse().map_err(|_| error("expire_at is not a number".into()))?
            }
            Some(_) => return Err(error("expire_at is not a number".into())),
        };
        rows.push(KvRow { key, value, expire_at });
    }
    Ok(rows)
}

/// base64 in either alphabet, padded or not, with line breaks or spaces anywhere.
fn decode(encoded: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD].iter().find_map(|engine| engine.decode(&compact).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_in_any_base64_and_bad_lines_are_named() {
        let text = "{\"key\":\"a\",\"value_b64\":\"eyJ4Ijox\\nfQ==\",\"expire_at\":0}\n\n{\"key\":\"b\",\"value_b64\":\"-_8\",\"expire_at\":\"17\"}\n";
        let rows = read(text).unwrap();
        assert_eq!(rows[0].value, b"{\"x\":1}");
        assert_eq!((rows[1].value.as_slice(), rows[1].expire_at), (&[0xfb, 0xff][..], 17));
        let bad = read("{\"key\":\"a\",\"value_b64\":\"e30=\"}\n{\"key\":\"b\",\"value_b64\":\"@@@\"}").unwrap_err();
        assert_eq!(bad, KvError { line: 2, message: "value_b64 is not base64".into() });
        assert_eq!(read("nope").unwrap_err().line, 1);
        assert_eq!(read("{\"value_b64\":\"e30=\"}").unwrap_err().message, "key is missing");
    }
}
