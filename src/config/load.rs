//! Where settings come from and in which order: defaults < file < environment (values
//! edited in the console slot in above the defaults, see `overlay`). Each value is
//! type-checked as it is merged, and each key remembers its source; `validate` then checks
//! what the values mean. All errors are collected before any is reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::{Table, Value};

use super::layer::Setting;
use super::overlay::Problem;
use super::schema::Schema;
use super::{env, file, validate, value, Config, ConfigErrors};

/// Read when no `--config` is given, if it exists.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/jirabridge/config.toml";

/// A loaded, valid configuration and where each of its values came from.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    pub config: Config,
    /// The config file actually read, if any.
    pub file: Option<PathBuf>,
    /// The source of every key, by `section.key`.
    pub sources: BTreeMap<String, Source>,
}

/// Which source set a key; later sources override earlier ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Default,
    /// Edited in the console or with `PATCH /api/v1/settings`, kept in the store.
    Console,
    File,
    Env,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Console => "console",
            Source::File => "file",
            Source::Env => "env",
        }
    }

    /// Set by the config file or the environment: the console cannot change it.
    pub fn pins(self) -> bool {
        matches!(self, Source::File | Source::Env)
    }
}

impl Config {
    /// Reads `explicit` (`--config PATH`), else [`DEFAULT_CONFIG_PATH`] when present, else
    /// uses the defaults; then applies `JIRABRIDGE_*` variables from the process environment.
    pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, ConfigErrors> {
        let default = Path::new(DEFAULT_CONFIG_PATH);
        let path = explicit.or_else(|| default.exists().then_some(default));
        let text = path.map(read_config_file).transpose()?;
        let env =
            std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()));
        Self::from_sources(path.zip(text.as_deref()), env)
    }

    /// The loader without process state: the file's path and text (`None`: no file) and the
    /// environment as name/value pairs. Secret files named by `*_file` keys are still read.
    pub fn from_sources(
        file: Option<(&Path, &str)>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<LoadedConfig, ConfigErrors> {
        let schema = Schema::new();
        let mut errors = Vec::new();
        let file_layer = file.map(|(path, text)| file::layer(&schema, path, text, &mut errors));
        let env_layer = env::layer(&schema, env, &mut errors);
        let mut merged = Merged::new(&schema);
        let file_settings = file_layer.unwrap_or_default().resolve(&mut errors);
        errors.extend(messages(merged.apply(file_settings, Source::File)));
        let env_settings = env_layer.resolve(&mut errors);
        errors.extend(messages(merged.apply(env_settings, Source::Env)));
        let (mut config, sources) = merged.finish();
        errors.extend(messages(validate::check(&mut config)));
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let file = file.map(|(path, _)| path.to_path_buf());
        Ok(LoadedConfig { config, file, sources })
    }
}

fn read_config_file(path: &Path) -> Result<String, ConfigErrors> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigErrors(vec![format!("cannot read config file {}: {e}", path.display())]))
}

fn messages(problems: Vec<Problem>) -> impl Iterator<Item = String> {
    problems.into_iter().map(|p| p.message)
}

/// The defaults with every accepted value applied so far.
pub(super) struct Merged<'a> {
    schema: &'a Schema,
    table: Table,
    sources: BTreeMap<String, Source>,
}

impl<'a> Merged<'a> {
    pub(super) fn new(schema: &'a Schema) -> Self {
        let sources = schema.keys().into_iter().map(|k| (k, Source::Default)).collect();
        Self { schema, table: schema.defaults().clone(), sources }
    }

    /// Takes each setting that fits its key; the others become problems and the key keeps
    /// its earlier value, so that validation can still report on the rest.
    pub(super) fn apply(&mut self, settings: BTreeMap<String, Setting>, source: Source) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (key, setting) in settings {
            match self.accept(&key, setting) {
                Ok(table) => {
                    self.table = table;
                    self.sources.insert(key, source);
                }
                Err(message) => problems.push(Problem { key, message }),
            }
        }
        problems
    }

    /// The table with `setting` applied, if it has the key's TOML type and the typed
    /// config accepts it (this catches ranges such as u32 and enum names).
    fn accept(&self, key: &str, setting: Setting) -> Result<Table, String> {
        let Setting { label, value } = setting;
        let shown = value::show(key, &value);
        let default = self.schema.default_value(key).expect("layers hold known keys");
        value::check(default, &value).map_err(|expected| format!("{label}: expected {expected}, got {shown}"))?;
        let mut table = self.table.clone();
        let (section, name) = key.split_once('.').expect("keys are section.name");
        if let Some(Value::Table(keys)) = table.get_mut(section) {
            keys.insert(name.to_owned(), value);
        }
        match table.clone().try_into::<Config>() {
            Ok(_) => Ok(table),
            Err(e) => Err(format!("{label} = {shown}: {}", value::explain(e.message().trim_end()))),
        }
    }

    pub(super) fn finish(self) -> (Config, BTreeMap<String, Source>) {
        let config = self.table.try_into().expect("every accepted value was checked against Config");
        (config, self.sources)
    }
}
