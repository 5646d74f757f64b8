//! The command line: `serve`, `check-config`, `healthcheck`, `render`, `admin set-password`,
//! `admin list`, `admin delete`, `backup`, `restore`, `import-plugin`, `--version`.

mod import_command;
mod store_commands;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::app::{Application, RunOptions};
use crate::config::{Config, LoadedConfig};
use crate::events::preview;

#[derive(Parser, Debug)]
#[command(
    name = "jirabridge",
    version,
    about = "Jira webhooks into Mattermost channels, durably, as one self-hosted binary",
    after_help = "Configuration: --config PATH (or JIRABRIDGE_CONFIG), else /etc/jirabridge/config.toml when present,\n\
                  else built-in defaults;\n\
                  any key can be overridden with JIRABRIDGE_<SECTION>__<KEY> (see config.example.toml)."
)]
struct Cli {
    /// Configuration file (TOML).
    #[arg(long, global = true, value_name = "PATH", env = "JIRABRIDGE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server: receive Jira webhooks and post them to Mattermost.
    Serve,
    /// Validate the configuration; prints every problem and exits 1 if there is one.
    CheckConfig,
    /// Ask the running server's /healthz; exit 0 when it answers ok.
    Healthcheck,
    /// Show the events and posts a Jira webhook payload would give (`-` reads stdin).
    Render {
        /// Payload file, or `-` for standard input.
        payload: String,
    },
    /// Admin console accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Write a consistent backup of the store; works while the server runs.
    Backup {
        /// The backup file to write (replaced once the new backup is complete).
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Also put master.key in the backup; such a file must be kept as safe as the key.
        #[arg(long)]
        include_key: bool,
    },
    /// Import the Mattermost Jira plugin's data from its key-value export (through the running
    /// server when one runs).
    ImportPlugin {
        /// The export: JSON lines {"key","value_b64","expire_at"} (the README gives the SQL).
        #[arg(long, value_name = "FILE")]
        kv: PathBuf,
        /// Mattermost's config.json, for the plugin's settings (its webhook secret).
        #[arg(long, value_name = "FILE")]
        mattermost_config: Option<PathBuf>,
        /// Report what would be imported; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Replace records changed in jirabridge since an earlier import.
        #[arg(long)]
        overwrite: bool,
    },
    /// Restore a backup into the store; the server must be stopped.
    Restore {
        /// A file written by `jirabridge backup`.
        file: PathBuf,
        /// Move a store that holds data aside (db.before-restore-<time>) instead of refusing.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create an admin account or set its password; the password is read from standard input.
    SetPassword {
        /// The account's user name: 1 to 64 letters, digits, '.', '_' or '-'.
        #[arg(long, value_name = "NAME")]
        username: String,
    },
    /// List the admin console accounts.
    List,
    /// Delete an admin console account and end its sessions (never the last account).
    Delete {
        /// The account's user name.
        #[arg(long, value_name = "NAME")]
        username: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve => serve(cli.config),
        Command::CheckConfig => check_config(cli.config),
        Command::Healthcheck => healthcheck(cli.config),
        Command::Render { payload } => render_payload(&payload),
        Command::Admin { command: AdminCommand::SetPassword { username } } => {
            store_commands::set_password(cli.config, &username)
        }
        Command::Admin { command: AdminCommand::List } => store_commands::list_admins(cli.config),
        Command::Admin { command: AdminCommand::Delete { username } } => {
            store_commands::delete_admin(cli.config, &username)
        }
        Command::Backup { output, include_key } => store_commands::backup(cli.config, &output, include_key),
        Command::Restore { file, force } => store_commands::restore(cli.config, &file, force),
        Command::ImportPlugin { kv, mattermost_config, dry_run, json, overwrite } => {
            let options = crate::plugin_import::Options { dry_run, overwrite, ..Default::default() };
            let args = import_command::ImportArgs { config_file: cli.config, kv, mattermost_config, options, json };
            import_command::import_plugin(args)
        }
    }
}

fn load(path: Option<PathBuf>) -> Result<LoadedConfig, ExitCode> {
    Config::load(path.as_deref()).map_err(|errors| {
        eprintln!("jirabridge: the configuration has errors:\n{errors}");
        ExitCode::from(1)
    })
}

fn serve(path: Option<PathBuf>) -> ExitCode {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    crate::telemetry::logging::init(&loaded.config.log.level, loaded.config.log.format);
    if let Some(file) = &loaded.file {
        tracing::info!(file = %file.display(), "configuration read");
    } else {
        tracing::info!("no configuration file; using built-in defaults and JIRABRIDGE_* variables");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("jirabridge: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        let app =
            Application::build(loaded, RunOptions { notify_systemd: true, own_process: true, ..RunOptions::default() })
                .await?;
        app.run_until_stopped(None).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("jirabridge: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn check_config(path: Option<PathBuf>) -> ExitCode {
    match load(path) {
        Ok(loaded) => {
            // The certificate and key are read as at start, so a wrong file fails here first.
            if let Err(e) = crate::web::tls::server_config(&loaded.config) {
                eprintln!("jirabridge: the configuration has errors:\n{e}");
                return ExitCode::from(1);
            }
            let from = loaded.file.map(|f| f.display().to_string()).unwrap_or_else(|| "built-in defaults".into());
            println!("configuration is valid ({from})");
            for hint in loaded.config.notes() {
                println!("note: {hint}");
            }
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn healthcheck(path: Option<PathBuf>) -> ExitCode {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut addr = loaded.config.listen_addr();
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let url = format!("{}://{addr}/healthz", loaded.config.listen_scheme());
    let check = async {
        // Over HTTPS the certificate names the public host, not the loopback address asked
        // here; only liveness is checked and nothing secret is sent, so it is not verified.
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(5)).danger_accept_invalid_certs(true).build()?;
        let response = client.get(&url).send().await?;
        Ok::<bool, reqwest::Error>(response.status().is_success())
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    match runtime.map(|rt| rt.block_on(check)) {
        Ok(Ok(true)) => {
            println!("ok");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("jirabridge is not answering at {url}");
            ExitCode::from(1)
        }
    }
}

fn render_payload(source: &str) -> ExitCode {
    let mut bytes = Vec::new();
    let read = if source == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(source).map(|b| bytes = b)
    };
    if let Err(e) = read {
        eprintln!("jirabridge: cannot read {source}: {e}");
        return ExitCode::from(2);
    }
    let rendered = match preview::render_payload(&bytes, &Default::default()) {
        Ok(rendered) => rendered,
        Err(reason) => {
            eprintln!("jirabridge: {source} is not JSON: {reason}");
            return ExitCode::from(2);
        }
    };
    // Stdout stays the JSON a script reads; a person at a terminal gets it indented.
    let json = serde_json::json!(rendered);
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    } else {
        println!("{json}");
    }
    if rendered.posts.is_empty() {
        let why = crate::jira::webhook_fields::Webhook::parse(&bytes)
            .ok()
            .and_then(|payload| crate::events::normalize::why_ignored(&payload))
            .unwrap_or_else(|| "jirabridge does not post this payload".into());
        eprintln!("jirabridge: no post: {why}");
    }
    ExitCode::SUCCESS
}
