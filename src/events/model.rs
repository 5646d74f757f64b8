//! What a Jira webhook means, independent of its JSON shape.

/// The kind of change a webhook reports (SPEC §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Created,
    Deleted,
    /// Field changes from a changelog.
    Updated,
    CommentCreated,
    CommentUpdated,
    CommentDeleted,
}

/// The issue as the payload describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Issue {
    pub id: String,
    pub key: String,
    pub summary: String,
    /// Issue type name, lower-cased (`bug`, `story`).
    pub type_name: String,
    /// Jira base URL (payload `self` cut before `/rest/api`).
    pub base_url: String,
    pub project_key: String,
    pub assignee: Option<String>,
    pub priority: Option<String>,
    pub description: Text,
}

impl Issue {
    /// `<base>/browse/<KEY>`.
    pub fn url(&self) -> String {
        format!("{}/browse/{}", self.base_url, self.key)
    }
}

/// One recognised changelog item.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub event: String,
    /// Field name as shown (`status`, `Fix Version`, `reopened`).
    pub field: String,
    pub from: String,
    pub to: String,
}

/// A comment carried by a comment event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comment {
    pub id: String,
    pub body: Text,
}

/// A description or comment body as Jira sent it (defined where Jira's JSON is read).
pub use crate::jira::lenient::Text;

/// A webhook reduced to what routing and rendering need.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedEvent {
    pub kind: Kind,
    /// Event names, in the order they were recognised, without repeats.
    pub events: Vec<String>,
    pub actor: String,
    pub issue: Issue,
    pub changes: Vec<Change>,
    pub comment: Option<Comment>,
    /// `changelog.id`, or "" (identifies the change for content dedup).
    pub changelog_id: String,
    /// The payload's `timestamp` (ms, as text), or "".
    pub timestamp: String,
    /// People the payload names, (mention reference, display name): mentions of them show
    /// their display names.
    pub people: Vec<(String, String)>,
}

impl NormalizedEvent {
    pub fn has_event(&self, name: &str) -> bool {
        self.events.iter().any(|e| e == name)
    }
}

/// How an empty old value is shown: struck through.
pub const NONE_STRUCK: &str = "~~None~~";
/// How an empty new value is shown.
pub const NONE: &str = "None";
/// How "no assignee" is shown.
pub const NOBODY: &str = "_nobody_";

/// `value`, or `placeholder` when it is empty (SPEC §5.3 values marked *).
pub fn or_placeholder(value: &str, placeholder: &str) -> String {
    if value.is_empty() {
        placeholder.into()
    } else {
        value.into()
    }
}
