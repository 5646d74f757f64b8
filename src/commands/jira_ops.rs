//! The seam between `/jira` and Jira (issue 16 point 3): every command row that needs a Jira
//! connection goes through [`JiraOps`], after the gates in `run` (push-only, enabled issue
//! UI, a connected caller). `connections::Connections` implements it; tests record the
//! calls with a fake.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use super::parse::Command;
use super::signed::SignedState;
use crate::mattermost::dialog::Dialog;
use crate::mattermost::post::Attachment;

/// A boxed future, so the trait can be used as `dyn JiraOps`.
pub type Reply<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// A command's reply: its text, and attachments (an issue, buttons) when it has some.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    pub text: String,
    pub attachments: Vec<Attachment>,
}

impl From<String> for Answer {
    fn from(text: String) -> Answer {
        Answer { text, attachments: Vec::new() }
    }
}

impl From<&str> for Answer {
    fn from(text: &str) -> Answer {
        Answer::from(text.to_string())
    }
}

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
    /// Why Mattermost could not say whether the caller is a system admin (`system_admin`
    /// is then false).
    pub role_unknown: Option<String>,
    /// The command's trigger id (opens a dialog within 30 s), empty for clicks and forms.
    pub trigger_id: String,
    /// The command's response URL (later answers), empty for clicks and forms.
    pub response_url: String,
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

    /// Carries out a dialog submission, a click or a lookup whose signed state checked out.
    fn interact<'a>(&'a self, caller: &'a Caller, interaction: Interaction) -> OutcomeOf<'a>;
}

/// Where an interaction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Dialog,
    Action,
    Lookup,
}

/// A dialog submission, click or lookup, with the state it carried (already verified).
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub surface: Surface,
    pub state: SignedState,
    /// The dialog's submission, the click's `selected_option` (as `selected_option`), or the
    /// lookup's `query` (as `query`).
    pub values: serde_json::Map<String, serde_json::Value>,
}

/// What an interaction came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done; the text for the user.
    Done(String),
    /// A click done: the text for the user, and the clicked post shown anew with these
    /// attachments (SPEC §10.4's `update`).
    Updated(String, Vec<Attachment>),
    /// A dialog's fields that need fixing (nothing was done; the token stays usable).
    Invalid(BTreeMap<String, String>),
    /// Could not be done, and nothing was done (the token stays usable); the sentence says why.
    Failed(String),
    /// A click whose answer is a dialog (opened with the click's trigger id).
    OpenDialog(Dialog),
    /// A lookup's options: (text, value).
    Items(Vec<(String, String)>),
}

/// A boxed future of an [`Outcome`].
pub type OutcomeOf<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;
