//! The plugin's event names (SPEC §5.1): exact strings, shared with subscriptions.

pub const CREATED: &str = "event_created";
pub const DELETED: &str = "event_deleted";
pub const DELETED_UNRESOLVED: &str = "event_deleted_unresolved";
pub const CREATED_COMMENT: &str = "event_created_comment";
pub const UPDATED_COMMENT: &str = "event_updated_comment";
pub const DELETED_COMMENT: &str = "event_deleted_comment";
pub const UPDATED_ASSIGNEE: &str = "event_updated_assignee";
pub const UPDATED_ATTACHMENT: &str = "event_updated_attachment";
pub const UPDATED_DESCRIPTION: &str = "event_updated_description";
pub const UPDATED_LABELS: &str = "event_updated_labels";
pub const UPDATED_PRIORITY: &str = "event_updated_priority";
pub const UPDATED_RANK: &str = "event_updated_rank";
pub const UPDATED_REOPENED: &str = "event_updated_reopened";
pub const UPDATED_RESOLVED: &str = "event_updated_resolved";
pub const UPDATED_SPRINT: &str = "event_updated_sprint";
pub const UPDATED_STATUS: &str = "event_updated_status";
pub const UPDATED_SUMMARY: &str = "event_updated_summary";
pub const UPDATED_ISSUE_TYPE: &str = "event_updated_issue_type";
pub const UPDATED_FIX_VERSION: &str = "event_updated_fix_version";
pub const UPDATED_AFFECTS_VERSION: &str = "event_updated_affects_version";
pub const UPDATED_REPORTER: &str = "event_updated_reporter";
pub const UPDATED_COMPONENTS: &str = "event_updated_components";
/// Prefix of custom-field events: `event_updated_<fieldId>`.
pub const UPDATED_PREFIX: &str = "event_updated_";
