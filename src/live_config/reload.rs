//! SIGHUP: the config file read again (the environment is the process's own, as at start)
//! and put in force under the same rules as at start (console values below it), without a
//! restart, so Jira Server — which does not resend a webhook that found jirabridge down —
//! loses nothing to a config change.

use std::sync::Arc;

use super::{overlay_skipping_bad, read_console, Settings, REGENERATED};
use crate::config::{Config, LoadedConfig, Problem};

/// What a reload did.
#[derive(Debug)]
pub enum ReloadOutcome {
    /// In force; these start-up-only keys changed too and wait for a restart.
    Applied { waiting_for_restart: Vec<String> },
    /// The new file has errors: nothing changed.
    Refused(Vec<String>),
}

impl Settings {
    /// Reads the configuration again (the file read at start, or the default search when
    /// none was) and puts it in force, keeping start-up-only keys as they are.
    pub fn reload_from_sources(&self) -> Result<ReloadOutcome, crate::store::StoreError> {
        let file = self.config_file();
        match Config::load(file.as_deref()) {
            Ok(fresh) => self.reload(fresh),
            Err(errors) => Ok(ReloadOutcome::Refused(errors.to_string().lines().map(str::to_string).collect())),
        }
    }

    /// Puts `fresh` (a configuration just read) in force under the console values.
    pub fn reload(&self, fresh: LoadedConfig) -> Result<ReloadOutcome, crate::store::StoreError> {
        let _one_at_a_time = self.inner.updating.lock().unwrap_or_else(|p| p.into_inner());
        // The webhook secret and the admin token in force were taken (or generated and
        // stored) at start; a new one in the file waits for a restart like a start-up key.
        let kept: Vec<&str> = REGENERATED.iter().map(|(key, _)| *key).collect();
        let reloaded = match fresh.keeping_startup_keys(&self.base(), &kept) {
            Ok(reloaded) => reloaded,
            Err(problems) => return Ok(ReloadOutcome::Refused(sentences(problems))),
        };
        let before = self.live();
        // The console values as stored, as a restart would read them: one set aside at an
        // earlier reload (invalid under that file) comes back when the new file allows it.
        let console = read_console(&self.inner.store, &self.inner.key)?;
        let after = overlay_skipping_bad(&reloaded.loaded, console)?;
        *self.inner.base.write().unwrap_or_else(|p| p.into_inner()) = reloaded.loaded;
        *self.inner.live.write().unwrap_or_else(|p| p.into_inner()) = after.clone();
        let (old, new): (Arc<Config>, Arc<Config>) = (before.config, after.config);
        for listener in self.inner.listeners.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            listener(&old, &new);
        }
        Ok(ReloadOutcome::Applied { waiting_for_restart: reloaded.waiting_for_restart })
    }
}

fn sentences(problems: Vec<Problem>) -> Vec<String> {
    problems.into_iter().map(|p| p.message).collect()
}
