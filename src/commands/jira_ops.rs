//! The seam between `/jira` and Jira (issue 16 point 3): every command row that needs a Jira
//! connection goes through [`JiraOps`], after the gates in `run` (push-only, enabled issue
//! UI, a connected caller). Connected mode implements it; until then [`NotConnectedYet`]
//! answers honestly, and tests record the calls with a fake.

use std::future::Future;
use std::pin::Pin;

use super::parse::Command;

/// A boxed future, so the trait can be used as `dyn JiraOps`.
pub type Reply<'a> = Pin<Box<dyn Future<Output = String> + Send + 'a>>;

/// Who runs a command, as Mattermost says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caller {
    pub user_id: String,
    pub user_name: String,
    pub team_id: String,
    pub team_domain: String,
    pub channel_id: String,
    pub channel_name: String,
    /// The thread the command was run in, if any.
    pub root_id: String,
    pub system_admin: bool,
}

/// A command row that needs Jira, with what it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraCall {
    pub command: Command,
    /// The instance the caller named (`--instance` or the command's URL), resolved to its id,
    /// else the caller's default.
    pub instance: Option<String>,
    pub post: Option<String>,
    pub thread: bool,
}

/// What `/jira` asks of Jira.
pub trait JiraOps: Send + Sync {
    /// Whether `user_id` has a connection to `instance` (any instance when `None`).
    fn is_connected(&self, user_id: &str, instance: Option<&str>) -> bool;

    /// How many Mattermost users have a Jira connection (for `/jira stats`).
    fn connected_users(&self) -> usize;

    /// Carries out `call` for `caller` and answers the reply text.
    fn run<'a>(&'a self, caller: &'a Caller, call: JiraCall) -> Reply<'a>;
}

/// Until connected mode lands, nobody is connected; connecting and installing say that
/// they are not available in this version rather than pretending.
pub struct NotConnectedYet;

impl JiraOps for NotConnectedYet {
    fn is_connected(&self, _: &str, _: Option<&str>) -> bool {
        false
    }

    fn connected_users(&self) -> usize {
        0
    }

    fn run<'a>(&'a self, _: &'a Caller, _: JiraCall) -> Reply<'a> {
        Box::pin(async {
            "Connecting Jira accounts is not available in this version of jirabridge yet: channel subscriptions \
             work, but commands that act in Jira do not."
                .to_string()
        })
    }
}
