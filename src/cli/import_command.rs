//! `jirabridge import-plugin` (SPEC §13, issue 19): reads the plugin's key-value export (and
//! optionally Mattermost's `config.json`), then imports it into the store, or with
//! `--dry-run` only reports what it would do. Exit 0 (warnings allowed), 1 when the input
//! cannot be read (nothing is written then).
//!
//! While `serve` runs, the files go through its control socket and the server imports them
//! (refreshing what it keeps in memory), as `backup` does; otherwise the store is opened here.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::plugin_import::{self, Options};
use crate::utc::now_ms;

/// What the command was given.
pub(super) struct ImportArgs {
    /// `--config`, read again for the live settings the plugin's settings go into.
    pub config_file: Option<PathBuf>,
    pub kv: PathBuf,
    pub mattermost_config: Option<PathBuf>,
    pub options: Options,
    pub json: bool,
}

pub(super) fn import_plugin(args: ImportArgs) -> ExitCode {
    let loaded = match super::load(args.config_file.clone()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let outcome = match through_server(&loaded.config, &args) {
        Ok(Some(answer)) => Ok(answer),
        Ok(None) => run(&loaded.config, &args).map(|report| match args.json {
            true => serde_json::to_string_pretty(&report).unwrap_or_default(),
            false => report.text(),
        }),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(answer) => {
            println!("{}", answer.trim_end());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("jirabridge: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The import by the running server, through its control socket; `None` when none runs.
fn through_server(config: &crate::config::Config, args: &ImportArgs) -> anyhow::Result<Option<String>> {
    let Some(server) = crate::control::client::connect(&config.store.path)? else { return Ok(None) };
    let kv = std::fs::read(&args.kv).with_context(|| format!("cannot read {}", args.kv.display()))?;
    let settings = match &args.mattermost_config {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?),
        None => None,
    };
    let request = crate::control::protocol::Request::ImportPlugin {
        dry_run: args.options.dry_run,
        overwrite: args.options.overwrite,
        json: args.json,
        kv_bytes: kv.len() as u64,
        config_bytes: settings.as_ref().map_or(0, |s| s.len() as u64),
    };
    let answer = server.import(&request, &kv, settings.as_deref())?;
    Ok(Some(answer))
}

fn run(config: &crate::config::Config, args: &ImportArgs) -> anyhow::Result<plugin_import::report::Report> {
    let text = read(&args.kv)?;
    let rows = plugin_import::kv::read(&text).with_context(|| format!("{} cannot be imported", args.kv.display()))?;
    let settings = match &args.mattermost_config {
        Some(path) => Some(plugin_import::plugin_settings(&read(path)?).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let dir = &config.store.path;
    anyhow::ensure!(dir.is_dir(), "{} (store.path) is not a directory; check --config", dir.display());
    // A migration may come before the first start, when the package has made the data
    // directory but no store is in it yet: the import makes the store (`serve` opens it
    // later). A dry run writes nothing there: it reads an empty store in a scratch directory.
    let scratch = match (crate::data_dir::has_database(dir), args.options.dry_run) {
        (false, true) => Some(Scratch::new()?),
        _ => None,
    };
    let store_dir = scratch.as_ref().map_or(dir.as_path(), |s| s.0.as_path());
    let store = crate::data_dir::open_store_directly(store_dir)?;
    let key = crate::store::MasterKey::for_store(config.security.encryption_key.expose(), store_dir)?;
    // The settings as `serve` would run with them: the console's values included.
    let loaded = crate::config::Config::load(args.config_file.as_deref())
        .map_err(|errors| anyhow::anyhow!("the configuration has errors:\n{errors}"))?;
    let live = crate::live_config::Settings::load(loaded, store.clone(), key.clone())?;
    let options = Options {
        secret_pinned: live.source("webhook.secret").pins(),
        secret_grace_hours: live.current().webhook.secret_grace_hours,
        ..args.options
    };
    let mut report = plugin_import::run(&store, &key, &rows, settings.as_ref(), options, now_ms())?;
    mark_missing_channels(config, &store, &mut report, options.dry_run)?;
    if let Some(plugin) = &settings {
        plugin_import::settings::import(&store, &key, &live, plugin, options, &mut report);
    }
    drop(live);
    drop(store);
    for warning in crate::data_dir::match_owner(dir) {
        eprintln!("warning: {warning}");
    }
    Ok(report)
}

/// A directory removed when dropped: the empty store a dry run reads before the first start.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let path = std::env::temp_dir().join(format!("jirabridge-import-dry-run-{}-{}", std::process::id(), now_ms()));
        std::fs::create_dir(&path).with_context(|| format!("cannot make {}", path.display()))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// As the server's import does: subscriptions whose channel Mattermost reports gone are
/// marked broken. Only when Mattermost is configured; else the report says it was not asked.
fn mark_missing_channels(
    config: &crate::config::Config,
    store: &crate::store::Store,
    report: &mut plugin_import::report::Report,
    dry_run: bool,
) -> anyhow::Result<()> {
    if report.subscription_channels.is_empty() {
        return Ok(());
    }
    let (url, token) = (&config.mattermost.url, config.mattermost.bot_token.expose());
    if url.is_empty() || token.is_empty() {
        report.warnings.push(
            "Mattermost is not configured here (mattermost.url, mattermost.bot_token), so the subscriptions' channels \
             were not checked; a channel that is gone marks its subscriptions broken at their first post"
                .into(),
        );
        return Ok(());
    }
    let timeout = std::time::Duration::from_secs(config.mattermost.request_timeout_secs);
    let mattermost = crate::mattermost::MattermostClient::new(url, token, timeout);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let missing = runtime.block_on(plugin_import::channels::missing(&mattermost, report, dry_run));
    if !dry_run && !missing.is_empty() {
        plugin_import::channels::mark_broken(store, &missing)?;
    }
    Ok(())
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}
