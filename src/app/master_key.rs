//! The master key at start: taken from `security.encryption_key` or `master.key`, never made
//! anew over sealed data, and refused when it does not open what the store holds (decided in
//! issue 17: refuse, rather than run on with every stored credential unreadable). Records
//! sealed before schema 6 are bound to their place once the key is known.

use crate::config::Config;
use crate::store::{MasterKey, Store};

pub(super) fn open(store: &Store, config: &Config) -> anyhow::Result<MasterKey> {
    let configured_key = config.security.encryption_key.expose();
    let key_file = config.store.path.join("master.key");
    if configured_key.is_empty() && !key_file.exists() && store.has_any_secret()? {
        anyhow::bail!(
            "{} is missing, but the store holds secrets encrypted with it (a restore without --include-key?). \
             Put the original master.key back, or set security.encryption_key; jirabridge does not make a new \
             key over existing secrets",
            key_file.display()
        );
    }
    let key = MasterKey::for_store(configured_key, &config.store.path)?;
    if !store.key_opens_store(&key)? {
        let source =
            if configured_key.is_empty() { key_file.display().to_string() } else { "security.encryption_key".into() };
        anyhow::bail!("{source} does not match the key this store was written with");
    }
    let resealed = store.reseal_old_records(&key)?;
    if resealed > 0 {
        tracing::info!(records = resealed, "stored secrets sealed to their records (record version 2)");
    }
    Ok(key)
}
