//! Values edited in the console, slotted in above the defaults and below the config file
//! and the environment (SPEC §2.1: default < console < file < environment). A key set by
//! the file or the environment is *pinned*: console values for it are ignored.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::layer::Setting;
use super::load::Merged;
use super::schema::Schema;
use super::{validate, Config, LoadedConfig, Source};

/// Something wrong with one key's value, as a sentence naming the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

/// An effective configuration and where each key's value came from.
#[derive(Clone, Debug)]
pub struct Overlaid {
    pub config: Config,
    pub sources: BTreeMap<String, Source>,
}

impl Config {
    /// Every value by `section.key`, secrets included: callers must hide them.
    pub(crate) fn values(&self) -> BTreeMap<String, Value> {
        let table = Table::try_from(self).expect("a configuration serializes to a TOML table");
        let mut values = BTreeMap::new();
        for (section, keys) in table {
            let keys = keys.as_table().cloned().unwrap_or_default();
            values.extend(keys.into_iter().map(|(name, value)| (format!("{section}.{name}"), value)));
        }
        values
    }
}

impl LoadedConfig {
    /// Where the loaded value of `key` came from, as far as the console is concerned. A
    /// file value equal to the default pins nothing: the example config, which packages
    /// install, writes out every default. A `LoadedConfig` built by hand (tests,
    /// benchmarks) may name no sources; a value that differs from its default then counts
    /// as set in the file, so that the console cannot silently replace it.
    pub fn source_of(&self, key: &str) -> Source {
        self.source_with(key, &self.config.values())
    }

    pub(super) fn source_with(&self, key: &str, loaded: &BTreeMap<String, Value>) -> Source {
        let is_default = loaded.get(key) == Schema::new().default_value(key);
        match self.sources.get(key) {
            Some(Source::File) if is_default => Source::Default,
            Some(source) => *source,
            None if is_default => Source::Default,
            None => Source::File,
        }
    }

    /// The configuration with `console` values applied under the pinned ones, checked by
    /// the same rules as the loader. Each problem names the key at fault.
    pub fn overlay(&self, console: &BTreeMap<String, Value>) -> Result<Overlaid, Vec<Problem>> {
        let schema = Schema::new();
        let loaded = self.config.values();
        let mut problems = Vec::new();
        let mut editable = BTreeMap::new();
        for (key, value) in console {
            if schema.default_value(key).is_none() {
                problems.push(Problem { key: key.clone(), message: format!("{key} is not a setting") });
            } else if !self.source_with(key, &loaded).pins() {
                editable.insert(key.clone(), Setting { label: key.clone(), value: value.clone() });
            }
        }
        let mut merged = Merged::new(&schema);
        problems.extend(merged.apply(editable, Source::Console));
        for source in [Source::File, Source::Env] {
            let pinned = loaded
                .iter()
                .filter(|(key, _)| self.source_with(key, &loaded) == source)
                .map(|(key, value)| (key.clone(), Setting { label: key.clone(), value: value.clone() }));
            problems.extend(merged.apply(pinned.collect(), source));
        }
        let (mut config, sources) = merged.finish();
        problems.extend(validate::check(&mut config));
        if problems.is_empty() {
            Ok(Overlaid { config, sources })
        } else {
            Err(problems)
        }
    }
}

/// A JSON value (from the API or the store) as a setting value; `Err` says what a setting
/// accepts instead.
pub fn json_to_value(json: &serde_json::Value) -> Result<Value, &'static str> {
    use serde_json::Value as Json;
    match json {
        Json::String(text) => Ok(Value::String(text.clone())),
        Json::Bool(flag) => Ok(Value::Boolean(*flag)),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(whole), _) => Ok(Value::Integer(whole)),
            (None, Some(_)) if n.is_u64() => Err("a smaller number"),
            (None, Some(real)) => Ok(Value::Float(real)),
            (None, None) => Err("a number"),
        },
        Json::Array(items) => items.iter().map(json_to_value).collect::<Result<_, _>>().map(Value::Array),
        Json::Null | Json::Object(_) => Err("a string, number, true/false or a list"),
    }
}

/// A setting value as JSON.
pub fn value_to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::String(text) => text.clone().into(),
        Value::Integer(n) => (*n).into(),
        Value::Float(f) => (*f).into(),
        Value::Boolean(b) => (*b).into(),
        Value::Datetime(d) => d.to_string().into(),
        Value::Array(items) => items.iter().map(value_to_json).collect(),
        Value::Table(table) => table.iter().map(|(k, v)| (k.clone(), value_to_json(v))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn loaded(file: &str, env: &[(&str, &str)]) -> LoadedConfig {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::from_sources(Some((Path::new("/etc/jirabridge/config.toml"), file)), env).unwrap()
    }

    fn console(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn console_beats_default_and_loses_to_file_and_env() {
        let base = loaded("[log]\nlevel = \"debug\"\n", &[("JIRABRIDGE_WEBHOOK__DEDUP_WINDOW_SECS", "5")]);
        let edits = console(&[
            ("log.level", Value::String("warn".into())),
            ("webhook.dedup_window_secs", Value::Integer(99)),
            ("mattermost.threaded_comment_days", Value::Integer(3)),
        ]);
        let overlaid = base.overlay(&edits).unwrap();
        assert_eq!(overlaid.config.log.level, "debug");
        assert_eq!(overlaid.config.webhook.dedup_window_secs, 5);
        assert_eq!(overlaid.config.mattermost.threaded_comment_days, 3);
        assert_eq!(overlaid.sources["log.level"], Source::File);
        assert_eq!(overlaid.sources["webhook.dedup_window_secs"], Source::Env);
        assert_eq!(overlaid.sources["mattermost.threaded_comment_days"], Source::Console);
        assert_eq!(overlaid.sources["mattermost.url"], Source::Default);
    }

    #[test]
    fn a_file_value_equal_to_the_default_pins_nothing() {
        let base = loaded("[log]\nlevel = \"info\"\n[webhook]\nsecret = \"\"\n", &[("JIRABRIDGE_LOG__FORMAT", "text")]);
        assert_eq!(base.source_of("log.level"), Source::Default);
        assert_eq!(base.source_of("webhook.secret"), Source::Default, "empty means generated");
        assert_eq!(base.source_of("log.format"), Source::Env, "the environment always pins");
        let overlaid = base.overlay(&console(&[("log.level", Value::String("debug".into()))])).unwrap();
        assert_eq!((overlaid.config.log.level.as_str(), overlaid.sources["log.level"]), ("debug", Source::Console));
    }

    #[test]
    fn console_values_are_checked_like_file_values() {
        let edits = console(&[
            ("mattermost.url", Value::String("ftp://chat".into())),
            ("log.format", Value::String("xml".into())),
            ("webhook.max_body_bytes", Value::String("big".into())),
            ("nope.key", Value::Boolean(true)),
        ]);
        let problems = loaded("", &[]).overlay(&edits).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["nope.key", "log.format", "webhook.max_body_bytes", "mattermost.url"]);
        assert_eq!(problems[1].message, r#"log.format = "xml": expected "text" or "json""#);
    }

    #[test]
    fn a_hand_built_config_pins_what_differs_from_the_defaults() {
        let mut config = Config::default();
        config.mattermost.url = "https://chat.example.com".into();
        let base = LoadedConfig { config, file: None, sources: BTreeMap::new() };
        assert_eq!(base.source_of("mattermost.url"), Source::File);
        assert_eq!(base.source_of("log.level"), Source::Default);
        let overlaid = base.overlay(&console(&[("mattermost.url", Value::String("https://x.example".into()))]));
        assert_eq!(overlaid.unwrap().config.mattermost.url, "https://chat.example.com");
    }

    #[test]
    fn json_converts_both_ways() {
        let json = serde_json::json!(["a", 1, true]);
        let value = json_to_value(&json).unwrap();
        assert_eq!(value_to_json(&value), json);
        assert!(json_to_value(&serde_json::Value::Null).is_err());
        assert!(json_to_value(&serde_json::json!({"a": 1})).is_err());
    }
}
