//! Migration from the Mattermost Jira plugin (SPEC §13, issue 19): its key-value export
//! (`kv`) is read whole, turned into a plan (`plan`) without touching the store, and then,
//! unless it is a dry run, written in one transaction (`Store::apply_import`): all of it
//! or, when anything fails, none. The same file twice changes nothing: a record that is
//! already as the export says is `unchanged`; one that differs is `updated` when it is
//! still as the last import wrote it (`hashes`: a newer export), and a conflict, kept as it
//! is unless `overwrite`, when it was changed in jirabridge since.
//!
//! Imported today: instances (with their OAuth settings), the RSA key, subscriptions,
//! templates, users' connections (OAuth 1.0a and 2.0, settings, saved fields, default
//! instance), live comment-thread roots, and from Mattermost's `config.json` the webhook
//! secret and the plugin's settings (`settings`). Every other row is
//! listed with the reason it was left. The CLI (`import-plugin`, on a stopped store) and the
//! admin API (`POST /api/v1/import/plugin`, in the running process) share this.

pub mod channels;
pub mod hashes;
pub mod kv;
pub mod plan;
pub mod report;
pub mod settings;

use serde_json::Value;

use crate::instances::oauth;
use crate::store::{ImportWrites, MasterKey, Store, StoreError, StoredSecret};
use report::{Counts, Report};

/// How an import runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub dry_run: bool,
    pub overwrite: bool,
    /// `webhook.secret` is set in the configuration file or environment, which wins over a
    /// stored one: the plugin's secret is then reported, not imported.
    pub secret_pinned: bool,
    /// `webhook.secret_grace_hours`: how long the secret the import replaces keeps working.
    pub secret_grace_hours: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options { dry_run: false, overwrite: false, secret_pinned: false, secret_grace_hours: 24 }
    }
}

/// What Mattermost's `config.json` gives: the plugin's settings (keys lower-cased).
pub fn plugin_settings(config_json: &str) -> Result<serde_json::Map<String, Value>, String> {
    let config: Value = serde_json::from_str(config_json).map_err(|e| format!("config.json is not JSON: {e}"))?;
    let plugins = &config["PluginSettings"]["Plugins"];
    let jira = plugins.as_object().and_then(|all| all.iter().find(|(id, _)| id.eq_ignore_ascii_case("jira")));
    Ok(jira
        .and_then(|(_, settings)| settings.as_object())
        .map(|settings| settings.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect())
        .unwrap_or_default())
}

/// Imports `rows` (and the plugin's `settings`, if given) into `store`. Call it on a
/// blocking thread: it reads and writes the store.
pub fn run(
    store: &Store,
    key: &MasterKey,
    rows: &[kv::KvRow],
    settings: Option<&serde_json::Map<String, Value>>,
    options: Options,
    now_ms: u64,
) -> Result<Report, StoreError> {
    let plan = plan::plan(rows, now_ms);
    let mut report = Report::new(options.dry_run, rows.len());
    report.warnings.extend(plan.warnings.iter().cloned());
    for (row_key, reason) in &plan.skipped {
        report.skip(row_key, reason);
    }
    let write = !options.dry_run;
    // Decided from the store as it is, written at the end in one transaction.
    let mut writes = ImportWrites::default();
    let any_default = store.instances()?.iter().any(|i| i.is_default);
    let mut counts = Counts::default();
    for (n, planned) in plan.instances.iter().enumerate() {
        let mut record = planned.record.clone();
        record.is_default = !any_default && n == 0;
        let existing = store.instance(record.id.as_str())?;
        let current_auth = oauth::load(store, key, record.id.as_str())?;
        let same = existing.as_ref().is_some_and(|e| {
            (e.instance_type, &e.alias, e.is_v2_legacy) == (record.instance_type, &record.alias, record.is_v2_legacy)
        }) && current_auth == planned.auth;
        let as_imported = match &existing {
            Some(e) => {
                store.imported_hash(hashes::INSTANCE, record.id.as_str())?
                    == Some(hashes::of_instance(e, &current_auth))
            }
            None => false,
        };
        match counts.decide(existing.is_some(), same, options.overwrite || as_imported) {
            report::Decision::Write if write => {
                if let Some(existing) = existing {
                    (record.is_default, record.created_at_ms) = (existing.is_default, existing.created_at_ms);
                }
                writes.secrets.push(oauth::as_secret(record.id.as_str(), &planned.auth)?);
                let hash = hashes::of_instance(&record, &planned.auth);
                writes.hashes.push((hashes::INSTANCE.into(), record.id.to_string(), hash));
                writes.instances.push(record);
            }
            report::Decision::Conflict => report.conflict(format!("instance {} differs from the export", record.id)),
            _ => {}
        }
    }
    report.kinds.insert("instances", counts);
    import_rsa_key(store, key, &plan, options, (&mut writes, &mut report))?;
    let subscriptions = rules(store, &plan.subscriptions, false, options, (&mut writes, &mut report))?;
    report.kinds.insert("subscriptions", subscriptions);
    report.warnings.extend(matched_differently(&plan));
    let templates = rules(store, &plan.templates, true, options, (&mut writes, &mut report))?;
    report.kinds.insert("templates", templates);
    let mut counts = Counts::default();
    for connection in &plan.connections {
        let existing = store.connection(&connection.instance_id, &connection.mm_user_id, key)?;
        let same = existing.as_ref().is_some_and(|e| e.auth == connection.auth && e.jira == connection.jira);
        let id = format!("{}\0{}", connection.instance_id, connection.mm_user_id);
        let as_imported = match &existing {
            Some(e) => store.imported_hash(hashes::CONNECTION, &id)? == Some(hashes::of_connection(e)),
            None => false,
        };
        match counts.decide(existing.is_some(), same, options.overwrite || as_imported) {
            report::Decision::Write if write => {
                writes.hashes.push((hashes::CONNECTION.into(), id, hashes::of_connection(connection)));
                writes.connections.push(connection.clone())
            }
            report::Decision::Conflict => report.conflict(format!(
                "the connection of {} to {} differs from the export (reconnected since?)",
                connection.mm_user_id, connection.instance_id
            )),
            _ => {}
        }
    }
    report.kinds.insert("connections", counts);
    if write {
        writes.defaults.extend(plan.defaults.iter().cloned());
    }
    let mut counts = Counts::default();
    for (instance, issue, channel, post, until) in &plan.roots {
        let channel = crate::ids::ChannelId::unchecked(channel);
        let existing = store.live_root(instance, issue, &channel, now_ms)?;
        let same = existing.as_deref() == Some(post.as_str());
        if let report::Decision::Write = counts.decide(existing.is_some(), same, options.overwrite) {
            if write {
                let root = crate::store::records::RootPostRecordV1::new(post.clone(), *until);
                writes.roots.push((instance.clone(), issue.clone(), channel, root));
            }
        }
    }
    report.kinds.insert("root_posts", counts);
    for (kind, skipped) in &plan.skipped_per_kind {
        report.kinds.entry(kind).or_default().skipped += skipped;
    }
    let secret = match settings {
        Some(settings) if settings.is_empty() => {
            report.warnings.push(
                "Mattermost's config.json has no settings for the Jira plugin (PluginSettings.Plugins.jira): \
                 the plugin's webhook secret and settings were not imported"
                    .into(),
            );
            SecretOutcome::NotCarried
        }
        Some(settings) => import_secret(store, key, settings, (options, now_ms), (&mut writes, &mut report))?,
        None => {
            report.warnings.push(
                "no Mattermost config.json was given (--mattermost-config): the plugin's webhook secret and settings \
                 were not imported"
                    .into(),
            );
            SecretOutcome::NotCarried
        }
    };
    if write && !writes.is_empty() {
        store.apply_import(&writes, key)?;
    }
    report.next_steps(&plan, secret);
    Ok(report)
}

fn import_rsa_key(
    store: &Store,
    key: &MasterKey,
    plan: &plan::Plan,
    options: Options,
    (writes, report): (&mut ImportWrites, &mut Report),
) -> Result<(), StoreError> {
    let mut counts = Counts::default();
    if let Some(imported) = &plan.rsa_key {
        let existing = store.secret(oauth::RSA_KEY, key)?;
        let pem = imported.to_pem().map_err(StoreError::Key)?;
        let same = existing.as_ref().is_some_and(|e| {
            crate::jira::oauth1::RsaKey::from_pem(&e.value).ok().and_then(|k| k.public_pem().ok())
                == imported.public_pem().ok()
        });
        match counts.decide(existing.is_some(), same, options.overwrite) {
            report::Decision::Write if !options.dry_run => {
                writes.secrets.push((oauth::RSA_KEY.to_string(), StoredSecret { value: pem, valid_until_ms: None }))
            }
            report::Decision::Conflict => report.conflict(
                "jirabridge already has an RSA key of its own; the plugin's was not imported (--overwrite replaces it, \
                 and application links made for jirabridge's key stop working)"
                    .into(),
            ),
            _ => {}
        }
    }
    report.kinds.insert("rsa_key", counts);
    Ok(())
}

/// Subscriptions or templates: by id, unchanged when the filters, channel and name agree.
fn rules(
    store: &Store,
    records: &[crate::store::records::SubscriptionRecordV1],
    templates: bool,
    options: Options,
    (writes, report): (&mut ImportWrites, &mut Report),
) -> Result<Counts, StoreError> {
    let mut counts = Counts::default();
    for record in records {
        let existing = if templates { store.template(&record.id)? } else { store.subscription(&record.id)? };
        let same = existing.as_ref().is_some_and(|e| hashes::of_rule(e) == hashes::of_rule(record));
        let kind = if templates { hashes::TEMPLATE } else { hashes::SUBSCRIPTION };
        let as_imported = match &existing {
            Some(e) => store.imported_hash(kind, &record.id)? == Some(hashes::of_rule(e)),
            None => false,
        };
        match counts.decide(existing.is_some(), same, options.overwrite || as_imported) {
            report::Decision::Write if !options.dry_run => {
                writes.hashes.push((kind.into(), record.id.clone(), hashes::of_rule(record)));
                if templates {
                    writes.templates.push(record.clone())
                } else {
                    writes.subscriptions.push(record.clone())
                }
            }
            report::Decision::Conflict => {
                let kind = if templates { "template" } else { "subscription" };
                report.conflict(format!("{kind} {} ({}) was changed in jirabridge since", record.id, record.name))
            }
            _ => {}
        }
        if !templates {
            report.subscription_channels.insert(record.channel_id.to_string());
            let sub = crate::subscriptions::stored::from_record(record);
            if let Err(problems) = crate::subscriptions::validate::validate(&sub, false, true) {
                let why: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
                report.warnings.push(format!(
                    "subscription {} ({}) was imported as it was, but: {}",
                    record.id,
                    record.name,
                    why.join("; ")
                ));
            }
        }
    }
    Ok(counts)
}

/// Subscriptions that SPEC §6.5 matches otherwise than the plugin did: on Server and Data
/// Center, `reporter` and `assignee` filters compare user names (the plugin compared
/// account ids, which those payloads do not carry), so their values need a look.
fn matched_differently(plan: &plan::Plan) -> Vec<String> {
    let server = |id: &str| {
        plan.instances
            .iter()
            .any(|i| i.record.id.as_str() == id && i.record.instance_type == crate::ids::InstanceType::Server)
    };
    let mut notes = Vec::new();
    for record in plan.subscriptions.iter().filter(|r| server(r.instance_id.as_str())) {
        for filter in
            record.fields.iter().filter(|f| ["reporter", "assignee"].iter().any(|k| f.key.eq_ignore_ascii_case(k)))
        {
            notes.push(format!(
                "subscription {} ({}) filters {} on a Server or Data Center instance: the plugin compared account ids, \
                 jirabridge compares user names there; check the values {:?}",
                record.id, record.name, filter.key, filter.values
            ));
        }
    }
    notes
}

/// What became of the plugin's webhook secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretOutcome {
    /// It is jirabridge's (imported now or before): Jira's webhook URLs keep theirs.
    Carried,
    /// It was not imported: Jira's webhooks still carry it and would be refused.
    NotCarried,
    /// jirabridge's secret was regenerated since the last import and is kept: Jira's
    /// webhooks are expected to carry that one.
    KeptRegenerated,
}

/// The plugin's webhook `secret` becomes the current one, so Jira's webhook URLs keep
/// working once their host changes; the secret jirabridge had stays valid for
/// `webhook.secret_grace_hours` (decided in issue 19).
fn import_secret(
    store: &Store,
    key: &MasterKey,
    settings: &serde_json::Map<String, Value>,
    (options, now_ms): (Options, u64),
    (writes, report): (&mut ImportWrites, &mut Report),
) -> Result<SecretOutcome, StoreError> {
    let mut counts = Counts::default();
    let Some(secret) = settings.get("secret").and_then(Value::as_str).filter(|s| !s.is_empty()) else {
        report.warnings.push("the Jira plugin's settings hold no webhook secret: none was imported".into());
        report.kinds.insert("webhook_secret", counts);
        return Ok(SecretOutcome::NotCarried);
    };
    if options.secret_pinned {
        report.warnings.push(
            "webhook.secret is set in the configuration file or environment, which wins: the plugin's secret was not imported; \
             set webhook.secret to it there, or remove it to use the imported one"
                .into(),
        );
        report.kinds.insert("webhook_secret", counts);
        return Ok(SecretOutcome::NotCarried);
    }
    let current = store.secret(crate::store::secret_names::WEBHOOK_SECRET, key)?;
    let same = current
        .as_ref()
        .is_some_and(|c| crate::secrets::verify::constant_time_eq(c.value.as_bytes(), secret.as_bytes()));
    // The first import replaces the secret jirabridge made itself; a later one only a secret
    // still as an import left it: one regenerated since is the admin's, and stays.
    let last_imported = store.imported_hash(hashes::WEBHOOK_SECRET, hashes::CURRENT)?;
    let as_imported = match (&current, last_imported) {
        (Some(current), Some(hash)) => hashes::of_secret(&current.value) == hash,
        (_, None) => true,
        (None, Some(_)) => false,
    };
    match counts.decide(current.is_some(), same, options.overwrite || as_imported) {
        report::Decision::Write if !options.dry_run => {
            let hours = options.secret_grace_hours;
            if let Some(current) = current {
                let until = now_ms.saturating_add(hours.saturating_mul(3_600_000));
                let previous = StoredSecret { value: current.value, valid_until_ms: Some(until) };
                writes.secrets.push((crate::store::secret_names::WEBHOOK_SECRET_PREVIOUS.to_string(), previous));
            }
            let imported = StoredSecret { value: secret.to_string(), valid_until_ms: None };
            writes.secrets.push((crate::store::secret_names::WEBHOOK_SECRET.to_string(), imported));
            writes.hashes.push((hashes::WEBHOOK_SECRET.into(), hashes::CURRENT.into(), hashes::of_secret(secret)));
            report.warnings.push(format!(
                "the plugin's webhook secret is now jirabridge's; the one jirabridge had still works for {hours} hours \
                 (webhook.secret_grace_hours)"
            ));
        }
        report::Decision::Conflict => {
            report.conflict("the webhook secret was regenerated in jirabridge since the last import".into());
            report.kinds.insert("webhook_secret", counts);
            return Ok(SecretOutcome::KeptRegenerated);
        }
        _ => {}
    }
    report.kinds.insert("webhook_secret", counts);
    Ok(SecretOutcome::Carried)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, value: &str) -> kv::KvRow {
        kv::KvRow { key: key.into(), value: value.as_bytes().to_vec(), expire_at: 0 }
    }

    #[test]
    fn people_filters_on_data_center_are_listed_for_a_look() {
        let server = "https://jira.example.com";
        let instances = format!(r#"[{{"InstanceID": "{server}", "Type": "server"}}]"#);
        let instance = format!(r#"{{"InstanceID": "{server}", "Type": "server", "MattermostKey": "mm"}}"#);
        let subs = format!(
            r#"{{"Channel": {{"by_id": {{"s1": {{"id": "s1", "channel_id": "c1", "name": "mine", "instance_id": "{server}",
            "filters": {{"events": ["event_created"], "projects": ["OPS"], "issue_types": ["1"],
            "fields": [{{"key": "Reporter", "inclusion": "include_any", "values": ["557058:abc"]}},
                       {{"key": "priority", "inclusion": "include_any", "values": ["1"]}}]}}}}}}}}}}"#
        );
        let rows = [
            row("instances/v3", &instances),
            row(&format!("jira_instance_{}", plan::md5hex(server)), &instance),
            row(&plan::md5hex(&format!("{server}/jirasub")), &subs),
        ];
        let planned = plan::plan(&rows, 1);
        assert_eq!(planned.subscriptions.len(), 1, "{:?}", planned.skipped);
        let notes = matched_differently(&planned);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("subscription s1 (mine) filters Reporter on a Server or Data Center instance"));
    }
}
