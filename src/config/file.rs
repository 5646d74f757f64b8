//! The config file: TOML text to a `Layer`. Unknown sections and keys are errors suggesting
//! the nearest valid name; `<secret>_file` keys name a file holding the secret.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::layer::Layer;
use super::schema::{takes_file, Schema, FILE_SUFFIX};
use super::suggest::{did_you_mean, nearest};

pub(super) fn layer(schema: &Schema, path: &Path, text: &str, errors: &mut Vec<String>) -> Layer {
    let mut layer = Layer::default();
    match text.parse::<Table>() {
        Ok(table) => {
            for (key, value) in flatten(schema, path, table, errors) {
                add(schema, path, &mut layer, &key, value, errors);
            }
        }
        Err(e) => errors.push(syntax_error(path, text, &e)),
    }
    layer
}

/// `[section] key = v` → `("section.key", v)`. Unknown sections are reported once each.
fn flatten(schema: &Schema, path: &Path, table: Table, errors: &mut Vec<String>) -> Vec<(String, Value)> {
    let mut flat = Vec::new();
    for (section, body) in table {
        match body {
            Value::Table(keys) if schema.has_section(&section) => {
                flat.extend(keys.into_iter().map(|(k, v)| (format!("{section}.{k}"), v)));
            }
            Value::Table(_) => errors.push(unknown_section(schema, path, &section)),
            _ if schema.has_section(&section) => errors.push(format!(
                "{section} in {} must be a section: write [{section}] on a line of its own, with its keys below it",
                path.display()
            )),
            value => flat.push((section, value)),
        }
    }
    flat
}

/// Keys naming a file that are, like `*_file` secrets, taken from the config file's
/// directory when relative.
const FILE_PATH_KEYS: &[&str] = &["server.tls_cert_file", "server.tls_key_file"];

fn add(schema: &Schema, path: &Path, layer: &mut Layer, key: &str, value: Value, errors: &mut Vec<String>) {
    if schema.default_value(key).is_some() {
        let value = match value {
            Value::String(name) if FILE_PATH_KEYS.contains(&key) && !name.is_empty() => {
                Value::String(relative_to(path, &name).display().to_string())
            }
            other => other,
        };
        return layer.set(key, key, value);
    }
    let Some(secret_key) = key.strip_suffix(FILE_SUFFIX).filter(|k| takes_file(schema, k)) else {
        return errors.push(unknown_key(schema, path, key));
    };
    match value {
        Value::String(name) => layer.set_secret_file(secret_key, key, relative_to(path, &name)),
        other => errors.push(format!("{key}: expected a file path, got {other}")),
    }
}

/// Relative file paths (secret files, TLS files) are taken from the config file's directory,
/// not the working directory, so the config means the same however the service is started.
fn relative_to(config: &Path, name: &str) -> PathBuf {
    config.parent().map_or_else(|| name.into(), |dir| dir.join(name))
}

fn unknown_section(schema: &Schema, path: &Path, section: &str) -> String {
    let hint = nearest(section, schema.sections());
    format!("unknown section [{section}] in {}{}", path.display(), did_you_mean(hint))
}

fn unknown_key(schema: &Schema, path: &Path, key: &str) -> String {
    let mut valid = schema.keys();
    let secret_files = valid.iter().filter(|k| takes_file(schema, k)).map(|k| format!("{k}{FILE_SUFFIX}"));
    valid.extend(secret_files.collect::<Vec<_>>());
    let name = key.rsplit('.').next().unwrap_or(key);
    let same_name = valid.iter().find(|k| k.rsplit('.').next() == Some(name));
    let hint = same_name.map(String::as_str).or_else(|| nearest(key, valid.iter().map(String::as_str)));
    format!("unknown key \"{key}\" in {}{}", path.display(), did_you_mean(hint))
}

/// Position and message only: the parser's own rendering quotes the offending line, which
/// may hold a secret.
fn syntax_error(path: &Path, text: &str, error: &toml::de::Error) -> String {
    let before = error.span().and_then(|span| text.get(..span.start));
    let at = before.map_or_else(String::new, |before| {
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        format!(" at line {line}, column {column}")
    });
    format!("{} is not valid TOML{at}: {}", path.display(), error.message().trim_end())
}
