//! Payload → [`Parsed`]: the plugin's event taxonomy (SPEC §5.2–5.3). Pure: no IO, no clock.
//!
//! `None` means "not an event we handle": the webhook is acknowledged and ignored.

use serde_json::Value;

use super::model::{or_placeholder, Change, Comment, Issue, Kind, Parsed, Text, NOBODY, NONE_STRUCK};
use super::names;
use crate::jira::payload::{id_at, people, str_at, user_name, Payload};

/// Reads a webhook payload; `None` when it is not an issue or comment event we handle.
pub fn normalize(payload: &Payload) -> Option<Parsed> {
    let webhook_event = payload.webhook_event();
    if webhook_event.is_empty() {
        return None;
    }
    let fields = payload.issue_fields()?;
    let issue = read_issue(payload, fields);
    let kind = dispatch(payload, webhook_event)?;
    let mut parsed = Parsed {
        kind,
        events: Vec::new(),
        actor: String::new(),
        issue,
        changes: Vec::new(),
        comment: None,
        changelog_id: id_at(&payload.0, &["changelog", "id"]),
        timestamp: id_at(&payload.0, &["timestamp"]),
        people: people(payload),
    };
    match kind {
        Kind::Created => parsed.events.push(names::CREATED.into()),
        Kind::Deleted => {
            parsed.events.push(names::DELETED.into());
            if fields.get("resolution").is_none_or(Value::is_null) {
                parsed.events.push(names::DELETED_UNRESOLVED.into());
            }
        }
        Kind::Updated => {
            parsed.changes = payload.changelog_items().into_iter().filter_map(change_of).collect();
            if parsed.changes.is_empty() {
                return None;
            }
            for change in &parsed.changes {
                if !parsed.has_event(&change.event) {
                    parsed.events.push(change.event.clone());
                }
            }
        }
        Kind::CommentCreated => parsed.events.push(names::CREATED_COMMENT.into()),
        Kind::CommentUpdated => parsed.events.push(names::UPDATED_COMMENT.into()),
        Kind::CommentDeleted => parsed.events.push(names::DELETED_COMMENT.into()),
    }
    parsed.actor = actor_of(payload, kind)?;
    parsed.comment = comment_of(payload, kind);
    Some(parsed)
}

fn dispatch(payload: &Payload, webhook_event: &str) -> Option<Kind> {
    match webhook_event {
        "jira:issue_created" => Some(Kind::Created),
        "jira:issue_deleted" => Some(Kind::Deleted),
        "comment_created" => Some(Kind::CommentCreated),
        "comment_updated" => Some(Kind::CommentUpdated),
        "comment_deleted" => Some(Kind::CommentDeleted),
        "jira:issue_updated" => dispatch_update(payload),
        _ => None,
    }
}

fn dispatch_update(payload: &Payload) -> Option<Kind> {
    match payload.issue_event_type() {
        "issue_assigned" | "issue_updated" | "issue_generic" | "issue_resolved" | "issue_closed"
        | "issue_work_started" | "issue_reopened" => Some(Kind::Updated),
        "issue_commented" => Some(Kind::CommentCreated),
        "issue_comment_edited" => Some(Kind::CommentUpdated),
        "issue_comment_deleted" => Some(Kind::CommentDeleted),
        // Old Server sends no event type: infer it from what the payload carries.
        _ if !payload.changelog_items().is_empty() => Some(Kind::Updated),
        _ if !id_at(&payload.0, &["comment", "id"]).is_empty() => {
            let created = payload.str(&["comment", "created"]);
            let updated = payload.str(&["comment", "updated"]);
            Some(if created == updated { Kind::CommentCreated } else { Kind::CommentUpdated })
        }
        _ => None,
    }
}

fn read_issue(payload: &Payload, fields: &serde_json::Map<String, Value>) -> Issue {
    let field = |path: &[&str]| fields.get(path[0]).map(|v| str_at(v, &path[1..]).to_string()).unwrap_or_default();
    let named = |key: &str| fields.get(key).and_then(|v| user_name(Some(v)));
    let priority = Some(field(&["priority", "name"])).filter(|p| !p.is_empty());
    Issue {
        id: id_at(&payload.0, &["issue", "id"]),
        key: payload.str(&["issue", "key"]).to_string(),
        summary: field(&["summary"]),
        type_name: field(&["issuetype", "name"]).to_lowercase(),
        base_url: base_url(payload),
        project_key: field(&["project", "key"]),
        assignee: named("assignee"),
        priority,
        description: Text::from_json(fields.get("description")),
    }
}

/// `issue.self` (or `user.self`, `comment.self`) cut before its last `/rest/api`.
fn base_url(payload: &Payload) -> String {
    [["issue", "self"], ["user", "self"], ["comment", "self"]]
        .iter()
        .map(|path| payload.str(path))
        .find_map(|url| url.rfind("/rest/api").map(|at| url[..at].to_string()))
        .unwrap_or_default()
}

fn actor_of(payload: &Payload, kind: Kind) -> Option<String> {
    let user = payload.at(&["user"]);
    let author = payload.at(&["comment", "updateAuthor"]);
    match kind {
        Kind::CommentCreated | Kind::CommentUpdated => Some(user_name(author).unwrap_or_else(someone)),
        Kind::CommentDeleted => {
            let has_key = user.is_some_and(|u| !str_at(u, &["key"]).is_empty());
            let source = if has_key { user } else { author };
            source.map(|s| user_name(Some(s)).unwrap_or_else(someone))
        }
        _ => Some(user_name(user).unwrap_or_else(someone)),
    }
}

fn someone() -> String {
    "Someone".to_string()
}

fn comment_of(payload: &Payload, kind: Kind) -> Option<Comment> {
    if !matches!(kind, Kind::CommentCreated | Kind::CommentUpdated | Kind::CommentDeleted) {
        return None;
    }
    let comment = payload.at(&["comment"])?;
    Some(Comment { id: id_at(comment, &["id"]), body: Text::from_json(comment.get("body")) })
}

/// One changelog item → its event and recorded change (SPEC §5.3); `None` if not recognised.
fn change_of(item: &Value) -> Option<Change> {
    let field = str_at(item, &["field"]);
    let from = str_at(item, &["fromString"]);
    let to = str_at(item, &["toString"]);
    // Values stay raw; render shows empty ones as `~~None~~` / `None`.
    let shown = |event: &str| Some(change(event, field, from.into(), to.into()));
    match field {
        "resolution" if to.is_empty() && !from.is_empty() => {
            Some(change(names::UPDATED_REOPENED, "reopened", from.into(), "Open".into()))
        }
        "resolution" if !to.is_empty() && from.is_empty() => {
            Some(change(names::UPDATED_RESOLVED, "resolved", "Open".into(), to.into()))
        }
        "resolution" => None,
        "status" => shown(names::UPDATED_STATUS),
        "priority" => shown(names::UPDATED_PRIORITY),
        "summary" => shown(names::UPDATED_SUMMARY),
        "description" => Some(change(names::UPDATED_DESCRIPTION, field, from.into(), to.into())),
        "Sprint" if !to.is_empty() => shown(names::UPDATED_SPRINT),
        "Rank" if !to.is_empty() => Some(change(
            names::UPDATED_RANK,
            field,
            or_placeholder(from, NONE_STRUCK).to_lowercase(),
            to.to_lowercase(),
        )),
        "Attachment" => Some(change(names::UPDATED_ATTACHMENT, "attachments", from.into(), to.into())),
        "labels" => Some(change(names::UPDATED_LABELS, "labels", from.into(), to.into())),
        "assignee" => {
            Some(change(names::UPDATED_ASSIGNEE, "assignee", or_placeholder(from, NOBODY), or_placeholder(to, NOBODY)))
        }
        "issuetype" => shown(names::UPDATED_ISSUE_TYPE),
        "Fix Version" => shown(names::UPDATED_FIX_VERSION),
        "Version" => shown(names::UPDATED_AFFECTS_VERSION),
        "reporter" => shown(names::UPDATED_REPORTER),
        "Component" => shown(names::UPDATED_COMPONENTS),
        _ if str_at(item, &["fieldtype"]) == "custom" => custom_change(item, field, from, to),
        _ => None,
    }
}

fn custom_change(item: &Value, field: &str, from: &str, to: &str) -> Option<Change> {
    let id = Some(str_at(item, &["fieldId"])).filter(|id| !id.is_empty()).unwrap_or(field);
    if id.is_empty() {
        return None;
    }
    let event = format!("{}{}", names::UPDATED_PREFIX, id.to_lowercase());
    Some(change(&event, field, from.into(), to.into()))
}

fn change(event: &str, field: &str, from: String, to: String) -> Change {
    Change { event: event.to_string(), field: field.to_string(), from, to }
}
