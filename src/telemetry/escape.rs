//! Control characters in log fields, escaped where the text log is written.
//!
//! Many logged values come from outside: issue keys, user names and URLs from Jira payloads,
//! team and channel names from webhook URLs, headers. A line break in one of them could start
//! what looks like a log line of its own, and a NUL or a terminal escape sequence could hide
//! or rewrite what an admin reads. Escaping every field as the line is formatted covers every
//! call site at once, including ones written later. (The JSON format needs nothing: JSON
//! strings escape control characters already.)

use std::fmt;

use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::FormatFields;

/// The default `key=value` field format, with control characters escaped.
#[derive(Default)]
pub struct EscapedFields {
    inner: DefaultFields,
}

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut plain = String::new();
        self.inner.format_fields(Writer::new(&mut plain), fields)?;
        write_escaped(&mut writer, &plain)
    }
}

/// Writes `text` with `\n`, `\r`, `\t`, `\0` and every other control character (and the
/// Unicode line and paragraph separators) as escapes, so one record stays one line.
fn write_escaped(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    for c in text.chars() {
        match c {
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            '\0' => out.write_str("\\0")?,
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => write!(out, "\\u{{{:x}}}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        write_escaped(&mut out, text).unwrap();
        out
    }

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(escaped("OPS-1\nERROR forged\r\t\0"), "OPS-1\\nERROR forged\\r\\t\\0");
        assert_eq!(escaped("a\u{1b}[2Jb\u{7f}\u{85}\u{2028}"), "a\\u{1b}[2Jb\\u{7f}\\u{85}\\u{2028}");
        assert_eq!(escaped("Grüße, ünïcödé 🎉"), "Grüße, ünïcödé 🎉");
    }

    /// A log record as the text subscriber writes it, through this field format.
    #[test]
    fn a_field_from_outside_cannot_start_a_line() {
        let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(EscapedFields::default())
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let key = "OPS-1\nERROR jirabridge: forged\0";
            tracing::info!(issue = %key, user = ?"a\rb", "webhook {}", "from\nJira");
        });
        let text = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\0') && !text.contains('\r'), "{text:?}");
        assert!(text.contains(r"issue=OPS-1\nERROR jirabridge: forged\0"), "{text}");
        assert!(text.contains(r"webhook from\nJira"), "{text}");
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
