//! `ConfigErrors`: every problem found while loading, reported together.

use std::fmt;

/// All configuration errors, each a sentence saying what is wrong and what is accepted.
/// `Display` prints one per line. No message contains a secret value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for ConfigErrors {}
