//! `Layer`: what one source (the file or the environment) sets, before type checks. It also
//! turns secret-file references into the secrets they hold.

use std::collections::BTreeMap;
use std::path::PathBuf;

use toml::Value;

use super::secret;

/// A value for one key, with the name the admin wrote it under (key or variable), so that
/// messages point at what to edit.
pub(super) struct Setting {
    pub(super) label: String,
    pub(super) value: Value,
}

#[derive(Default)]
pub(super) struct Layer {
    values: BTreeMap<String, Setting>,
    secret_files: BTreeMap<String, (String, PathBuf)>,
}

impl Layer {
    pub(super) fn set(&mut self, key: &str, label: &str, value: Value) {
        let label = label.to_owned();
        self.values.insert(key.to_owned(), Setting { label, value });
    }

    pub(super) fn set_secret_file(&mut self, key: &str, label: &str, path: PathBuf) {
        self.secret_files.insert(key.to_owned(), (label.to_owned(), path));
    }

    /// The settings, secret files read. Setting a key both directly (non-empty) and by file
    /// is an error; an empty direct value gives way, as in the example config.
    pub(super) fn resolve(mut self, errors: &mut Vec<String>) -> BTreeMap<String, Setting> {
        for (key, (label, path)) in std::mem::take(&mut self.secret_files) {
            if let Some(direct) = self.values.get(&key).filter(|s| !is_empty(&s.value)) {
                errors.push(format!("{} and {label} are both set; keep only one", direct.label));
                continue;
            }
            match secret::read_file(&path) {
                Ok(text) => self.set(&key, &label, Value::String(text)),
                Err(e) => errors.push(format!("{label}: cannot read {}: {e}", path.display())),
            }
        }
        self.values
    }
}

fn is_empty(value: &Value) -> bool {
    value.as_str().is_some_and(str::is_empty)
}
