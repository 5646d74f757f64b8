//! Reading the config file again while jirabridge runs (SIGHUP,
//! `systemctl reload`). Runtime keys take their new values; start-up-only keys keep the
//! ones the process started with (a reload cannot re-bind the port or move the store), and
//! are named so the admin knows a restart is still due.

use std::collections::BTreeMap;

use super::catalog::{Apply, CATALOG};
use super::layer::Setting;
use super::load::Merged;
use super::schema::Schema;
use super::{validate, LoadedConfig, Problem, Source};

/// A configuration read again, ready to replace the running one's file layer. (The
/// environment is the process's own, fixed at start: a changed `Environment=` needs a restart.)
#[derive(Debug)]
pub struct Reloaded {
    pub loaded: LoadedConfig,
    /// Start-up-only keys whose new value waits for a restart.
    pub waiting_for_restart: Vec<String>,
}

impl LoadedConfig {
    /// This (newly read) configuration, with each start-up-only key, and each key of
    /// `also_kept`, as `running` has it.
    pub fn keeping_startup_keys(self, running: &LoadedConfig, also_kept: &[&str]) -> Result<Reloaded, Vec<Problem>> {
        let (new_values, old_values) = (self.config.values(), running.config.values());
        let mut waiting_for_restart = Vec::new();
        let (mut file, mut env) = (BTreeMap::new(), BTreeMap::new());
        for info in CATALOG {
            let startup = info.apply == Apply::Startup || also_kept.contains(&info.key);
            if startup && old_values.get(info.key) != new_values.get(info.key) {
                waiting_for_restart.push(info.key.to_string());
            }
            let (from, values) = if startup { (running, &old_values) } else { (&self, &new_values) };
            let Some(value) = values.get(info.key) else { continue };
            let setting = Setting { label: info.key.to_string(), value: value.clone() };
            match from.source_with(info.key, values) {
                Source::File => drop(file.insert(info.key.to_string(), setting)),
                Source::Env => drop(env.insert(info.key.to_string(), setting)),
                Source::Default | Source::Console => {}
            }
        }
        let schema = Schema::new();
        let mut merged = Merged::new(&schema);
        let mut problems = merged.apply(file, Source::File);
        problems.extend(merged.apply(env, Source::Env));
        let (mut config, sources) = merged.finish();
        problems.extend(validate::check(&mut config));
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Reloaded { loaded: LoadedConfig { config, file: self.file, sources }, waiting_for_restart })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn from_file(text: &str) -> LoadedConfig {
        Config::from_sources(Some((std::path::Path::new("/etc/jirabridge/config.toml"), text)), Vec::new()).unwrap()
    }

    #[test]
    fn runtime_keys_change_and_startup_keys_wait_for_a_restart() {
        let running = from_file("[server]\nlisten = \"127.0.0.1:8081\"\n[webhook]\nmax_body_bytes = 4096\n");
        let edited = from_file("[server]\nlisten = \"127.0.0.1:9090\"\n[webhook]\nmax_body_bytes = 2048\n");
        let reloaded = edited.keeping_startup_keys(&running, &[]).unwrap();
        assert_eq!(reloaded.loaded.config.webhook.max_body_bytes, 2048);
        assert_eq!(reloaded.loaded.config.server.listen, "127.0.0.1:8081", "still bound there");
        assert_eq!(reloaded.waiting_for_restart, vec!["server.listen".to_string()]);
        assert_eq!(reloaded.loaded.sources["webhook.max_body_bytes"], Source::File);
        assert_eq!(reloaded.loaded.sources["server.listen"], Source::File);
    }

    #[test]
    fn a_key_removed_from_the_file_returns_to_its_default() {
        let running = from_file("[mattermost]\nretry_max_secs = 60\n");
        let reloaded = from_file("").keeping_startup_keys(&running, &[]).unwrap();
        assert_eq!(reloaded.loaded.config.mattermost.retry_max_secs, Config::default().mattermost.retry_max_secs);
        assert!(reloaded.waiting_for_restart.is_empty());
    }
}
