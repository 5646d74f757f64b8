//! Runs a parsed `/jira` command (SPEC §9.3): the system-administrator gate (§9.1), the rows
//! answered here, and the gates in front of [`JiraOps`] — push-only mode, the issue UI
//! switch, an installed instance and a connected caller — so that nothing reaches Jira that
//! should not.

use std::sync::Arc;

use super::admin::{self, SetupStep, WebhookPlace};
use super::help::{help_text, HelpFor};
use super::jira_ops::{Answer, Caller, JiraCall, JiraOps};
use super::parse::{Command, InstallKind, ParsedCommand};
use crate::config::Config;
use crate::live_config::Settings;
use crate::store::records::InstanceRecordV1;
use crate::store::{Store, StoreError};
use crate::utc::now_ms;

/// The push-only answer of every command that needs Jira (SPEC §1.1).
pub const PUSH_ONLY: &str = "This jirabridge runs in push-only mode: it cannot contact Jira.";
/// §10.1's answer to a caller without a Jira connection.
pub const NOT_CONNECTED: &str =
    "Your Mattermost account is not connected to Jira. Please use `/jira connect` to connect your account, then try again.";
/// §10.1's answer when no instance is installed.
pub const NO_INSTANCE: &str = "There is no Jira instance installed. Please contact your system administrator.";
/// §2.2 `jira.enable_issue_ui` off.
pub const ISSUE_UI_OFF: &str =
    "Creating and attaching Jira issues from Mattermost is disabled by your system administrator.";

/// Store work that answers a reply, run on a blocking thread (`Store::run`).
type StoreWork = Box<dyn FnOnce(&Store) -> Result<String, StoreError> + Send>;

/// What running a command needs besides the request.
#[derive(Clone)]
pub struct CommandContext {
    pub store: Store,
    pub settings: Settings,
    pub jira: Arc<dyn JiraOps>,
    /// The webhook secret in force (for `/jira webhook`).
    pub webhook_secret: String,
    /// Whether a bot token is set and at least one command token is known (setup steps).
    pub command_registered: bool,
}

/// Runs `parsed` for `caller` and answers the reply.
pub async fn run(ctx: &CommandContext, caller: &Caller, parsed: ParsedCommand) -> Result<Answer, StoreError> {
    let config = ctx.settings.current();
    if let Some(words) = admin_only(&parsed.command) {
        if let (false, Some(reason)) = (caller.system_admin, &caller.role_unknown) {
            return Ok(role_unknown(words, reason).into());
        }
        if !caller.system_admin {
            return Ok(refused_to_non_admin(words).into());
        }
    }
    match parsed.command {
        Command::Me => me(ctx, caller, &config, parsed).await,
        ref command if answered_here(command) => answer_here(ctx, caller, parsed).await.map(Answer::from),
        _ => through_jira(ctx, caller, &config, parsed).await,
    }
}

/// The rows answered without Jira.
fn answered_here(command: &Command) -> bool {
    matches!(
        command,
        Command::Help
            | Command::About
            | Command::V2Revert
            | Command::InstanceList
            | Command::InstanceAlias { .. }
            | Command::InstanceUnalias { .. }
            | Command::InstanceV2 { .. }
            | Command::Install { kind: InstallKind::Cloud, .. }
            | Command::Webhook { .. }
            | Command::Stats
            | Command::Setup
            | Command::BadArgument(_)
    )
}

async fn answer_here(ctx: &CommandContext, caller: &Caller, parsed: ParsedCommand) -> Result<String, StoreError> {
    let config = ctx.settings.current();
    let local = |work: StoreWork| ctx.store.run(work);
    let public_base = config.public_base_url();
    let actor = format!("mm:{}", caller.user_id);
    match parsed.command {
        Command::Help => Ok(help(&config, caller.system_admin)),
        Command::About => Ok(about()),
        Command::V2Revert => Ok(admin::V2_REVERT.into()),
        Command::InstanceList => local(Box::new(admin::instance_list)).await,
        Command::InstanceAlias { url, alias } => {
            local(Box::new(move |s| admin::alias(s, url.as_deref(), alias.as_deref(), &actor, &public_base))).await
        }
        Command::InstanceUnalias { alias } => {
            local(Box::new(move |s| admin::unalias(s, alias.as_deref(), &actor, &public_base))).await
        }
        Command::InstanceV2 { url } => local(Box::new(move |s| admin::v2(s, &url, &actor, &public_base))).await,
        Command::Install { kind: InstallKind::Cloud, url } => Ok(admin::install_cloud_refused(&url)),
        Command::Webhook { url } => webhook(ctx, caller, url.or(parsed.instance), &public_base).await,
        Command::Stats => {
            let connected = ctx.jira.connected_users();
            local(Box::new(move |s| admin::stats(s, connected, now_ms()))).await
        }
        Command::Setup => setup(ctx, caller, &config).await,
        Command::BadArgument(sentence) => Ok(sentence),
        _ => Ok(help(&config, caller.system_admin)),
    }
}

/// The words of an admin-only command for the refusal, `None` for everyone's commands.
fn admin_only(command: &Command) -> Option<&'static str> {
    Some(match command {
        Command::InstanceList => "instance list",
        Command::InstanceAlias { .. } => "instance alias",
        Command::InstanceUnalias { .. } => "instance unalias",
        Command::InstanceV2 { .. } => "instance v2",
        Command::Install { .. } => "install",
        Command::Uninstall { .. } => "uninstall",
        Command::SubscribeList { .. } => "subscribe list",
        Command::Webhook { .. } => "webhook",
        Command::Stats => "stats",
        Command::Setup => "setup",
        Command::V2Revert => "v2revert",
        _ => return None,
    })
}

/// §9.1's refusal, with the plugin's wording for install.
fn refused_to_non_admin(words: &str) -> String {
    match words {
        "install" => "`/jira install` can only be run by a Mattermost system administrator.".into(),
        other => format!("`/jira {other}` can only be run by a system administrator."),
    }
}

/// An admin command when Mattermost could not be asked for the caller's role: the usual
/// cause is the bot token, which only the admin can fix, so the reply names it.
fn role_unknown(words: &str, reason: &str) -> String {
    format!(
        "`/jira {words}` is for system administrators, and Mattermost could not be asked for your role ({reason}). \
         Check `mattermost.bot_token` and `mattermost.url` in jirabridge's configuration."
    )
}

fn help(config: &Config, system_admin: bool) -> String {
    help_text(HelpFor {
        system_admin,
        issue_ui: config.jira.enable_issue_ui,
        push_only: config.jira.push_only,
        additional_text: &config.mattermost.additional_help_text,
    })
}

/// `about`: the version, the commit and the build date, as the build recorded them.
fn about() -> String {
    let commit = option_env!("JB_ABOUT_COMMIT").unwrap_or("unknown commit");
    let built = option_env!("JB_ABOUT_DATE").unwrap_or("unknown date");
    format!("jirabridge {} ({commit}, built {built})", env!("CARGO_PKG_VERSION"))
}

async fn webhook(
    ctx: &CommandContext,
    caller: &Caller,
    named: Option<String>,
    public_base: &str,
) -> Result<String, StoreError> {
    let found = ctx
        .store
        .run(move |store| -> Result<Result<Option<InstanceRecordV1>, String>, StoreError> {
            match named {
                Some(reference) => Ok(admin::named_instance(store, &reference)?.map(Some)),
                None => {
                    let all = store.instances()?;
                    Ok(Ok(all.iter().find(|i| i.is_default).or(all.first()).cloned()))
                }
            }
        })
        .await?;
    let instance = match found {
        Ok(instance) => instance,
        Err(sentence) => return Ok(sentence),
    };
    let at = WebhookPlace {
        public_base,
        secret: &ctx.webhook_secret,
        team_domain: &caller.team_domain,
        channel_name: &caller.channel_name,
    };
    Ok(admin::webhook_urls(instance.as_ref(), &at))
}

async fn setup(ctx: &CommandContext, caller: &Caller, config: &Config) -> Result<String, StoreError> {
    let (has_instance, has_webhook) = ctx
        .store
        .run(|store| {
            let events = store.events_newest_first(0, 1, |e| e.source == "firehose" || e.source == "legacy")?;
            Ok::<_, StoreError>((!store.instances()?.is_empty(), !events.is_empty()))
        })
        .await?;
    let steps = [
        SetupStep {
            done: !config.mattermost.bot_token.expose().is_empty(),
            what: "A bot token for Mattermost (mattermost.bot_token)",
        },
        SetupStep { done: ctx.command_registered, what: "The /jira command registered in the team" },
        SetupStep { done: has_instance, what: "A Jira instance added" },
        SetupStep { done: has_webhook, what: "A Jira webhook pointing at jirabridge (an event received)" },
        SetupStep {
            done: ctx.jira.is_connected(&caller.user_id, None),
            what: "Your Jira account connected (/jira connect)",
        },
    ];
    Ok(admin::setup(&config.public_base_url(), &steps))
}

/// `me`: who the caller is here, and the instances; connection details come from Jira.
async fn me(
    ctx: &CommandContext,
    caller: &Caller,
    config: &Config,
    parsed: ParsedCommand,
) -> Result<Answer, StoreError> {
    if !config.jira.push_only && ctx.jira.is_connected(&caller.user_id, None) {
        let call = JiraCall { command: parsed.command, instance: None, post: None, thread: false };
        return Ok(ctx.jira.run(caller, call).await);
    }
    let (installed, list) = ctx
        .store
        .run(|store| {
            let all = store.instances()?;
            Ok::<_, StoreError>((!all.is_empty(), admin::instance_table(all)))
        })
        .await?;
    // Only the connected case's sentence is the plugin's: the others would send the user to
    // a `/jira connect` that cannot work.
    let status = if config.jira.push_only {
        "This jirabridge runs in push-only mode: Jira accounts are not connected here."
    } else if !installed {
        NO_INSTANCES
    } else {
        "Jira is installed, but you are not connected. Please type `/jira connect` to connect."
    };
    Ok(format!(
        "Mattermost site URL: {}\nMattermost user ID: `{}`\n\n{status}\n\n###### Available Jira instances:\n{list}",
        config.mattermost.url, caller.user_id
    )
    .into())
}

/// SPEC §8.1's sentence when no instance is installed.
pub const NO_INSTANCES: &str = "No Jira instances have been installed. Please contact the system administrator.";

/// The rows that need Jira, behind their gates.
async fn through_jira(
    ctx: &CommandContext,
    caller: &Caller,
    config: &Config,
    parsed: ParsedCommand,
) -> Result<Answer, StoreError> {
    // Listing every subscription and removing an instance touch only jirabridge's store and
    // Mattermost: push-only mode (SPEC §1.1) leaves them working.
    let needs_jira = !matches!(parsed.command, Command::SubscribeList { .. } | Command::Uninstall { .. });
    if config.jira.push_only && needs_jira {
        return Ok(PUSH_ONLY.into());
    }
    let issue_ui = matches!(parsed.command, Command::Create { .. } | Command::Attach { .. });
    if issue_ui && !config.jira.enable_issue_ui {
        return Ok(ISSUE_UI_OFF.into());
    }
    let instance = match &parsed.instance {
        Some(reference) => {
            let reference = reference.clone();
            match ctx.store.run(move |store| admin::named_instance(store, &reference)).await? {
                Ok(found) => Some(found.id.into()),
                Err(sentence) => return Ok(sentence.into()),
            }
        }
        None => None,
    };
    // Connecting, disconnecting and settings answer a caller without a connection in
    // their own words (SPEC §8.3, §8.5); editing subscriptions asks about the channel and
    // the caller's role first (§6.3); listing them all reads only the store (§6.8).
    let needs_connection = !matches!(
        parsed.command,
        Command::Connect { .. }
            | Command::Disconnect { .. }
            | Command::Settings { .. }
            | Command::Install { .. }
            | Command::Uninstall { .. }
            | Command::Subscribe
            | Command::SubscribeEdit
            | Command::SubscribeList { .. }
    );
    if needs_connection {
        if ctx.store.run(|store| store.instances()).await?.is_empty() {
            return Ok(NO_INSTANCE.into());
        }
        if !ctx.jira.is_connected(&caller.user_id, instance.as_deref()) {
            return Ok(NOT_CONNECTED.into());
        }
    }
    let call = JiraCall { command: parsed.command, instance, post: parsed.post, thread: parsed.thread };
    Ok(ctx.jira.run(caller, call).await)
}

#[cfg(test)]
mod tests;
