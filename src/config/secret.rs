//! `Secret`: a string that never shows itself in `Debug` or `Display`, and reading a secret
//! from a file (`<key>_file`, `…_FILE`).

use std::fmt;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// A secret setting. `Debug` and `Display` print `***`, or `(not set)` when empty.
///
/// It serializes as the plain string, so never serialize a `Config` into output or logs.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself: use it, never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_set(&self) -> bool {
        !self.0.is_empty()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() { "***" } else { "(not set)" })
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

// Constant time, so that comparing a presented token with the configured one leaks nothing.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

/// The file's content minus one trailing newline (`\n` or `\r\n`).
pub(super) fn read_file(path: &Path) -> io::Result<String> {
    let mut text = std::fs::read_to_string(path)?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}
