//! Registering `/jira` in a Mattermost team (SPEC §9.6, §9.7): `POST /api/v4/commands` with
//! the bot token (or a system admin's token given for that one call, never kept), the
//! returned token kept encrypted per team, and the command updated when `server.public_url`
//! or `mattermost.enable_autocomplete` changes. The manual steps, for when Mattermost refuses,
//! are [`MANUAL_STEPS`] (and docs/SETUP.md).

use crate::config::Config;
use crate::mattermost::slash::SlashCommand;
use crate::mattermost::{MattermostClient, MmError};
use crate::store::{CommandRegistration, MasterKey, Store, StoreError};
use crate::utc::now_ms;

/// The trigger word.
pub const TRIGGER: &str = "jira";
/// §9.6's flat autocomplete: what an external command keeps.
pub const AUTOCOMPLETE_HINT: &str = "[issue|instance|subscribe|connect|help|me|about]";
pub const AUTOCOMPLETE_DESCRIPTION: &str = "Connect to and interact with Jira";
pub const DISPLAY_NAME: &str = "Jira";
/// Where Mattermost sends the command, below `server.public_url`.
pub const COMMAND_PATH: &str = "/mattermost/command";

/// What an admin does by hand when Mattermost will not let jirabridge register the command.
pub const MANUAL_STEPS: &str = "Mattermost did not let jirabridge register the command (the bot lacks \
`manage_slash_commands`). Register it by hand: in the team, open Integrations > Slash Commands > Add Slash \
Command; set the trigger word to `jira`, the request URL to `<server.public_url>/mattermost/command` and the \
request method to POST; save, and put the token Mattermost shows into `mattermost.command_tokens`. When \
jirabridge's address is private, add its host to Mattermost's \
`ServiceSettings.AllowedUntrustedInternalConnections`. Or try again here with a system administrator's \
access token, which is used for that one call and not kept.";

/// Why registering failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Mattermost answered 403: the manual steps apply.
    #[error("{}", MANUAL_STEPS)]
    Forbidden,
    #[error(
        "Mattermost already has a /jira command in team {team}; disable the Jira plugin or delete that command first."
    )]
    TriggerTaken { team: String },
    /// Without `server.public_url` the command's URL would be the listen address, which
    /// Mattermost cannot reach (a loopback or unspecified address).
    #[error(
        "server.public_url is not set, so /jira would point Mattermost at jirabridge's listen address ({0}), \
         which it cannot reach. Set server.public_url to the address Mattermost uses to reach jirabridge, \
         restart jirabridge, then register the command."
    )]
    NoPublicUrl(String),
    #[error("{0}")]
    Mattermost(MmError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<MmError> for RegisterError {
    fn from(e: MmError) -> Self {
        match e.status() {
            Some(403) => RegisterError::Forbidden,
            _ => RegisterError::Mattermost(e),
        }
    }
}

/// The command jirabridge registers in `team_id`, as the configuration asks now.
pub fn command_for(config: &Config, team_id: &str, creator_id: &str) -> SlashCommand {
    SlashCommand {
        creator_id: creator_id.into(),
        team_id: team_id.into(),
        trigger: TRIGGER.into(),
        method: "P".into(),
        url: format!("{}{COMMAND_PATH}", config.public_base_url()),
        auto_complete: config.mattermost.enable_autocomplete,
        auto_complete_desc: AUTOCOMPLETE_DESCRIPTION.into(),
        auto_complete_hint: AUTOCOMPLETE_HINT.into(),
        display_name: DISPLAY_NAME.into(),
        description: "Jira, through jirabridge".into(),
        ..SlashCommand::default()
    }
}

/// Registers `/jira` in `team_id` and keeps its token; a command jirabridge registered there
/// before is updated instead. `admin_token` is used for these calls only. Store work goes
/// through `Store::run`.
pub async fn register(
    mattermost: &MattermostClient,
    store: Store,
    key: &MasterKey,
    config: &Config,
    team_id: &str,
    admin_token: Option<&str>,
) -> Result<CommandRegistration, RegisterError> {
    if config.server.public_url.trim().is_empty() {
        return Err(RegisterError::NoPublicUrl(config.public_base_url()));
    }
    let key_for_read = key.clone();
    let ours = store.run(move |s| s.command_registrations(&key_for_read)).await?;
    let existing = mattermost.team_commands(team_id, admin_token).await?;
    if let Some(taken) = existing.iter().find(|c| c.trigger == TRIGGER && c.delete_at == 0) {
        if let Some(registered) = ours.into_iter().find(|r| r.command_id == taken.id) {
            update(mattermost, &registered, config).await?;
            return Ok(registered);
        }
        let team = mattermost.team(team_id).await.map(|t| t.name).unwrap_or_else(|_| team_id.to_string());
        return Err(RegisterError::TriggerTaken { team });
    }
    let bot = mattermost.me().await?;
    let created = mattermost.create_command(&command_for(config, team_id, bot.id.as_str()), admin_token).await?;
    let registration = CommandRegistration {
        team_id: team_id.to_string(),
        command_id: created.id,
        token: created.token,
        registered_at_ms: now_ms(),
    };
    let (kept, key) = (registration.clone(), key.clone());
    store.run(move |s| s.put_command_registration(&kept, &key)).await?;
    Ok(registration)
}

/// Brings every registered command in line with the configuration: at start (a new
/// `server.public_url` takes a restart) and when `mattermost.enable_autocomplete` changes.
/// A command that already matches is left alone. Failures are logged: the old command still
/// works until its URL stops answering.
pub async fn update_all(mattermost: &MattermostClient, registrations: &[CommandRegistration], config: &Config) {
    // Without a public URL the update would point the commands at the listen address, which
    // Mattermost cannot reach: they keep the URL they were registered with.
    if config.server.public_url.trim().is_empty() {
        tracing::warn!(
            teams = registrations.len(),
            "server.public_url is not set: the registered /jira commands keep their URL; set it to update them"
        );
        return;
    }
    for registration in registrations {
        if let Err(e) = update(mattermost, registration, config).await {
            tracing::warn!(team = %registration.team_id, error = %e, "could not update the /jira command in a team");
        }
    }
}

/// Reads the registered command back and puts it again with the URL and autocomplete of
/// `config` (Mattermost's `PUT` takes the whole command, creator and token included).
async fn update(
    mattermost: &MattermostClient,
    registration: &CommandRegistration,
    config: &Config,
) -> Result<(), MmError> {
    let commands = mattermost.team_commands(&registration.team_id, None).await?;
    let Some(mut command) = commands.into_iter().find(|c| c.id == registration.command_id) else {
        tracing::warn!(team = %registration.team_id, "the /jira command jirabridge registered is gone from the team");
        return Ok(());
    };
    let wanted = command_for(config, &registration.team_id, &command.creator_id);
    let same = command.url == wanted.url
        && command.auto_complete == wanted.auto_complete
        && command.auto_complete_hint == wanted.auto_complete_hint
        && command.auto_complete_desc == wanted.auto_complete_desc;
    if same {
        return Ok(());
    }
    command.url = wanted.url;
    command.auto_complete = wanted.auto_complete;
    command.auto_complete_hint = wanted.auto_complete_hint;
    command.auto_complete_desc = wanted.auto_complete_desc;
    mattermost.update_command(&command).await.map(|_| ())
}
