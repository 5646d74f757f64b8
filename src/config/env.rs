//! The environment: `JIRABRIDGE_<SECTION>__<KEY>` variables to a `Layer`, each parsed by its
//! key's declared type; `…_FILE` variables name a file holding a secret.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::layer::Layer;
use super::schema::{env_name, takes_file, Schema, ENV_PREFIX, FILE_SUFFIX};
use super::suggest::{did_you_mean, nearest};
use super::value;

/// `JIRABRIDGE_` variables that are not settings: the command line reads them itself.
const NOT_SETTINGS: [&str; 1] = ["JIRABRIDGE_CONFIG"];

/// What a variable sets: its key, and whether the value names a secret file.
struct Target {
    key: String,
    secret_file: bool,
}

pub(super) fn layer(
    schema: &Schema,
    env: impl IntoIterator<Item = (String, String)>,
    errors: &mut Vec<String>,
) -> Layer {
    let targets = targets(schema);
    let mut env: Vec<_> = env
        .into_iter()
        .filter(|(name, _)| name.starts_with(ENV_PREFIX) && !NOT_SETTINGS.contains(&name.as_str()))
        .collect();
    env.sort();
    let mut layer = Layer::default();
    for (name, raw) in env {
        match targets.get(&name) {
            Some(target) => add(schema, &mut layer, &name, target, raw, errors),
            None => errors.push(unknown_variable(&targets, &name)),
        }
    }
    layer
}

fn add(schema: &Schema, layer: &mut Layer, name: &str, target: &Target, raw: String, errors: &mut Vec<String>) {
    if target.secret_file {
        return layer.set_secret_file(&target.key, name, PathBuf::from(raw));
    }
    let default = schema.default_value(&target.key).expect("targets come from the schema");
    match value::parse_env(default, &raw) {
        Ok(value) => layer.set(&target.key, name, value),
        Err(expected) => {
            let got = value::show_raw(&target.key, &raw);
            errors.push(format!("{name}: expected {expected}, got {got}"));
        }
    }
}

/// Every variable name the configuration accepts.
fn targets(schema: &Schema) -> BTreeMap<String, Target> {
    let mut targets = BTreeMap::new();
    for key in schema.keys() {
        if takes_file(schema, &key) {
            let name = env_name(&format!("{key}{FILE_SUFFIX}"));
            targets.insert(name, Target { key: key.clone(), secret_file: true });
        }
        targets.insert(env_name(&key), Target { key, secret_file: false });
    }
    targets
}

fn unknown_variable(targets: &BTreeMap<String, Target>, name: &str) -> String {
    // Compared without the shared prefix, which would make every name look alike.
    let unprefixed = |n: &'_ str| n.strip_prefix(ENV_PREFIX).unwrap_or(n).to_owned();
    let names: Vec<String> = targets.keys().map(|n| unprefixed(n)).collect();
    let hint = nearest(&unprefixed(name), names.iter().map(String::as_str));
    let hint = hint.map(|n| format!("{ENV_PREFIX}{n}"));
    format!("unknown environment variable {name}{}", did_you_mean(hint.as_deref()))
}
