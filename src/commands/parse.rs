//! `/jira` text → [`Command`] (SPEC §9.2, §9.3), pure and table-tested. The words are split
//! on whitespace; `--instance X` (or `--instance=X`) may stand anywhere; the command is the
//! longest known prefix of up to three words, with the optional `issue` / `instance` prefix
//! the plugin allowed; anything else is help. Issue keys are upper-cased and checked here (a
//! word that is not one is answered before Jira is asked), and an `@user`
//! argument is resolved through the mentions Mattermost sent with the command.

use std::fmt;

use crate::ids::JiraIssueKey;

/// Which install a `/jira install …` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallKind {
    Server,
    CloudOauth,
    /// Atlassian Connect, which jirabridge refuses with a sentence.
    Cloud,
}

/// Who an `assign` names: a mentioned Mattermost user, or text to search Jira's assignable users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// `@name`, with the user id Mattermost resolved (`None`: no such user was mentioned).
    Mention {
        username: String,
        user_id: Option<String>,
    },
    Search(String),
}

/// A `/jira` command with its arguments. An argument the command needs but was not given is
/// `None`: the command's handler answers with its usage sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    About,
    /// `me` or `info`.
    Me,
    Connect {
        url: Option<String>,
    },
    Disconnect {
        url: Option<String>,
    },
    Settings {
        args: Vec<String>,
    },
    InstanceDefault {
        url: Option<String>,
    },
    InstanceList,
    Install {
        kind: InstallKind,
        url: String,
    },
    Uninstall {
        kind: String,
        url: String,
    },
    InstanceAlias {
        url: Option<String>,
        alias: Option<String>,
    },
    InstanceUnalias {
        alias: Option<String>,
    },
    InstanceV2 {
        url: String,
    },
    View {
        key: Option<JiraIssueKey>,
    },
    Transition {
        key: JiraIssueKey,
        state: String,
    },
    /// Both or neither: `assign` takes exactly two arguments.
    Assign {
        target: Option<(JiraIssueKey, Assignee)>,
    },
    Unassign {
        key: Option<JiraIssueKey>,
    },
    Create {
        text: String,
    },
    Attach {
        key: Option<JiraIssueKey>,
    },
    /// An argument that cannot be what the command needs (an issue key that is not one),
    /// answered with this sentence before anything is asked of Jira.
    BadArgument(String),
    Subscribe,
    SubscribeEdit,
    /// `extra_args`: words after `subscribe list`, which it refuses.
    SubscribeList {
        extra_args: bool,
    },
    Webhook {
        url: Option<String>,
    },
    Stats,
    Setup,
    V2Revert,
}

/// A parsed `/jira` line: the command and the options that may come with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCommand {
    pub command: Command,
    /// `--instance`: an alias or URL, resolved by the handler.
    pub instance: Option<String>,
    /// `--post <permalink|id>` (create and attach).
    pub post: Option<String>,
    /// `--thread` (attach).
    pub thread: bool,
}

/// A line whose `--instance` option cannot be read (SPEC §9.2 sentences).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    InstanceTwice,
    InstanceInvalid(String),
    InstanceWithoutValue,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::InstanceTwice => write!(f, "--instance may not be specified multiple times"),
            ParseError::InstanceInvalid(word) => write!(f, "`{word}` is not valid"),
            ParseError::InstanceWithoutValue => write!(f, "--instance requires a value"),
        }
    }
}

/// What each command path builds from its remaining words.
type Build = fn(&[String], &[(String, String)]) -> Command;

/// Command paths (words joined by `/`) and what they build. `issue/…` and `instance/…`
/// are the same commands with the optional prefix.
const COMMANDS: &[(&str, Build)] = &[
    ("help", |_, _| Command::Help),
    ("about", |_, _| Command::About),
    ("me", |_, _| Command::Me),
    ("info", |_, _| Command::Me),
    ("connect", connect),
    ("instance/connect", connect),
    ("disconnect", disconnect),
    ("instance/disconnect", disconnect),
    ("settings", |args, _| Command::Settings { args: args.to_vec() }),
    ("instance/settings", |args, _| Command::Settings { args: args.to_vec() }),
    ("instance/default", |args, _| Command::InstanceDefault { url: args.first().cloned() }),
    ("instance/list", |_, _| Command::InstanceList),
    ("install/server", |args, _| install(InstallKind::Server, args)),
    ("instance/install/server", |args, _| install(InstallKind::Server, args)),
    ("install/cloud-oauth", |args, _| install(InstallKind::CloudOauth, args)),
    ("instance/install/cloud-oauth", |args, _| install(InstallKind::CloudOauth, args)),
    ("install/cloud", |args, _| install(InstallKind::Cloud, args)),
    ("instance/install/cloud", |args, _| install(InstallKind::Cloud, args)),
    ("uninstall", uninstall),
    ("instance/uninstall", uninstall),
    // Every word after the URL is the alias, so one with spaces gets the refusal, not
    // silently its first word.
    ("instance/alias", |args, _| Command::InstanceAlias { url: args.first().cloned(), alias: rest_words(args, 1) }),
    ("instance/unalias", |args, _| Command::InstanceUnalias { alias: rest_words(args, 0) }),
    ("instance/v2", |args, _| match args {
        [url] => Command::InstanceV2 { url: url.clone() },
        _ => Command::Help,
    }),
    ("view", view),
    ("issue/view", view),
    ("transition", transition),
    ("issue/transition", transition),
    ("assign", assign),
    ("issue/assign", assign),
    ("unassign", unassign),
    ("issue/unassign", unassign),
    ("create", |args, _| Command::Create { text: args.join(" ") }),
    ("issue/create", |args, _| Command::Create { text: args.join(" ") }),
    ("attach", attach),
    ("issue/attach", attach),
    ("subscribe", |_, _| Command::Subscribe),
    ("subscribe/edit", |_, _| Command::SubscribeEdit),
    ("subscribe/list", |args, _| Command::SubscribeList { extra_args: !args.is_empty() }),
    ("webhook", |args, _| Command::Webhook { url: args.first().cloned() }),
    ("stats", |_, _| Command::Stats),
    ("setup", |_, _| Command::Setup),
    ("v2revert", |_, _| Command::V2Revert),
];

/// The longest command path among the first words.
const MOST_WORDS: usize = 3;

/// Parses the text of a `/jira` command (with or without the leading `/jira`). `mentions`
/// are the (user name, user id) pairs Mattermost resolved in it.
pub fn parse(text: &str, mentions: &[(String, String)]) -> Result<ParsedCommand, ParseError> {
    let mut words: Vec<String> = text.split_whitespace().map(String::from).collect();
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case("/jira")) {
        words.remove(0);
    }
    let instance = take_instance(&mut words)?;
    let lowered: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    for n in (1..=MOST_WORDS.min(words.len())).rev() {
        let path = lowered[..n].join("/");
        if let Some((_, build)) = COMMANDS.iter().find(|(known, _)| *known == path) {
            let mut rest = words[n..].to_vec();
            let (post, thread) = match path.trim_start_matches("issue/") {
                "create" | "attach" => take_post_options(&mut rest),
                _ => (None, false),
            };
            return Ok(ParsedCommand { command: build(&rest, mentions), instance, post, thread });
        }
    }
    Ok(ParsedCommand { command: Command::Help, instance, post: None, thread: false })
}

/// Removes `--instance X` / `--instance=X` from the words and returns X.
fn take_instance(words: &mut Vec<String>) -> Result<Option<String>, ParseError> {
    let mut found = None;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        if !word.starts_with("--instance") {
            i += 1;
            continue;
        }
        let value = if word == "--instance" {
            if i + 1 >= words.len() {
                return Err(ParseError::InstanceWithoutValue);
            }
            let value = words.remove(i + 1);
            words.remove(i);
            value
        } else if let Some(value) = word.strip_prefix("--instance=") {
            let value = value.to_string();
            words.remove(i);
            value
        } else {
            return Err(ParseError::InstanceInvalid(word.clone()));
        };
        if value.is_empty() {
            return Err(ParseError::InstanceWithoutValue);
        }
        if found.replace(value).is_some() {
            return Err(ParseError::InstanceTwice);
        }
    }
    Ok(found)
}

/// Removes `--post X` (or `--post=X`) and `--thread` from create's and attach's words.
fn take_post_options(words: &mut Vec<String>) -> (Option<String>, bool) {
    let (mut post, mut thread) = (None, false);
    let mut i = 0;
    while i < words.len() {
        if words[i] == "--thread" {
            words.remove(i);
            thread = true;
        } else if words[i] == "--post" && i + 1 < words.len() {
            post = Some(words.remove(i + 1));
            words.remove(i);
        } else if let Some(value) = words[i].strip_prefix("--post=") {
            post = Some(value.to_string());
            words.remove(i);
        } else {
            i += 1;
        }
    }
    (post, thread)
}

/// The words from `from` on, joined by single spaces; `None` when there are none.
fn rest_words(args: &[String], from: usize) -> Option<String> {
    args.get(from..).filter(|rest| !rest.is_empty()).map(|rest| rest.join(" "))
}

/// An issue key as typed: upper-cased and checked (`ext-20` is `EXT-20`; `10001` or
/// `EXT 20` are refused with a sentence).
fn key(word: &str) -> Result<JiraIssueKey, Command> {
    JiraIssueKey::parse(word).map_err(|e| Command::BadArgument(format!("{e}.")))
}

fn connect(args: &[String], _: &[(String, String)]) -> Command {
    match args {
        [] | [_] => Command::Connect { url: args.first().cloned() },
        _ => Command::Help,
    }
}

fn disconnect(args: &[String], _: &[(String, String)]) -> Command {
    match args {
        [] | [_] => Command::Disconnect { url: args.first().cloned() },
        _ => Command::Help,
    }
}

fn install(kind: InstallKind, args: &[String]) -> Command {
    match args {
        [url] => Command::Install { kind, url: url.clone() },
        _ => Command::Help,
    }
}

fn uninstall(args: &[String], _: &[(String, String)]) -> Command {
    match args {
        [kind, url] => Command::Uninstall { kind: kind.to_ascii_lowercase(), url: url.clone() },
        _ => Command::Help,
    }
}

fn view(args: &[String], _: &[(String, String)]) -> Command {
    match args {
        [issue] => key(issue).map_or_else(|bad| bad, |key| Command::View { key: Some(key) }),
        _ => Command::View { key: None },
    }
}

fn transition(args: &[String], _: &[(String, String)]) -> Command {
    match args {
        [issue, state @ ..] if !state.is_empty() => {
            key(issue).map_or_else(|bad| bad, |key| Command::Transition { key, state: state.join(" ") })
        }
        _ => Command::Help,
    }
}

fn assign(args: &[String], mentions: &[(String, String)]) -> Command {
    let [issue, who] = args else { return Command::Assign { target: None } };
    let issue = match key(issue) {
        Ok(issue) => issue,
        Err(bad) => return bad,
    };
    let assignee = match who.strip_prefix('@') {
        Some(username) => {
            // Mattermost's user names are lower case, and so are the mentions it sends with a
            // command: `@Ann` names `ann`.
            let username = username.to_lowercase();
            let user_id =
                mentions.iter().find(|(name, _)| name.eq_ignore_ascii_case(&username)).map(|(_, id)| id.clone());
            Assignee::Mention { username, user_id }
        }
        None => Assignee::Search(who.clone()),
    };
    Command::Assign { target: Some((issue, assignee)) }
}

fn unassign(args: &[String], _: &[(String, String)]) -> Command {
    match args {
        [issue] => key(issue).map_or_else(|bad| bad, |key| Command::Unassign { key: Some(key) }),
        _ => Command::Unassign { key: None },
    }
}

fn attach(args: &[String], _: &[(String, String)]) -> Command {
    match args {
        [] => Command::Attach { key: None },
        [issue] => key(issue).map_or_else(|bad| bad, |key| Command::Attach { key: Some(key) }),
        _ => Command::Help,
    }
}

#[cfg(test)]
mod tests;
