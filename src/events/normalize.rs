//! Payload → [`NormalizedEvent`]: the plugin's event taxonomy (SPEC §5.2–5.3). Pure: no IO, no clock.
//!
//! `None` means "not an event we handle": the webhook is acknowledged and ignored.

use super::model::{or_placeholder, Change, Comment, Issue, Kind, NormalizedEvent, NOBODY, NONE_STRUCK};
use super::names;
use crate::jira::lenient::Slot;
use crate::jira::webhook_fields::{ChangeItem, Fields, Named, User, Webhook};

/// Reads a webhook payload; `None` when it is not an issue or comment event we handle.
pub fn normalize(payload: &Webhook) -> Option<NormalizedEvent> {
    let webhook_event = payload.webhook_event.as_str();
    if webhook_event.is_empty() {
        return None;
    }
    let fields = payload.fields()?;
    let issue = read_issue(payload, fields);
    let kind = dispatch(payload, webhook_event)?;
    let mut parsed = NormalizedEvent {
        kind,
        events: Vec::new(),
        actor: String::new(),
        issue,
        changes: Vec::new(),
        comment: None,
        changelog_id: payload.changelog.object().map(|c| c.id.as_str().to_string()).unwrap_or_default(),
        timestamp: payload.timestamp.as_str().to_string(),
        people: payload.people(),
    };
    match kind {
        Kind::Created => parsed.events.push(names::CREATED.into()),
        Kind::Deleted => {
            parsed.events.push(names::DELETED.into());
            if !fields.resolution.0 {
                parsed.events.push(names::DELETED_UNRESOLVED.into());
            }
        }
        Kind::Updated => {
            parsed.changes = payload.changelog_items().iter().filter_map(change_of).collect();
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

/// Why [`normalize`] gives nothing for `payload`, in words for an admin (the event log's
/// "ignored", `jirabridge render`); `None` when it does give an event.
pub fn why_ignored(payload: &Webhook) -> Option<String> {
    if normalize(payload).is_some() {
        return None;
    }
    let webhook_event = payload.webhook_event.as_str();
    Some(if webhook_event.is_empty() {
        "the payload names no webhookEvent, so it is not a Jira webhook".to_string()
    } else if dispatch(payload, webhook_event).is_none() {
        match webhook_event {
            "jira:issue_updated" => format!(
                "an issue update of a kind jirabridge does not post (issue_event_type_name \"{}\")",
                payload.issue_event_type.as_str()
            ),
            other => format!("jirabridge does not post {other} events, only issue and comment events"),
        }
    } else if payload.fields().is_none() && webhook_event.starts_with("comment_") {
        format!(
            "{webhook_event} without its issue: Jira Server and Data Center also send the same comment as \
             jira:issue_updated (issue_commented), which is posted"
        )
    } else if payload.fields().is_none() {
        format!("{webhook_event} carries no issue fields")
    } else if payload.changelog_items().iter().all(|item| change_of(item).is_none()) {
        let fields: Vec<&str> = payload.changelog_items().iter().map(|item| item.field.as_str()).collect();
        if fields.is_empty() {
            "an issue update with no changed fields".to_string()
        } else {
            format!("an issue update that changes only fields jirabridge does not post ({})", fields.join(", "))
        }
    } else {
        "the payload names nobody who made the change".to_string()
    })
}

fn dispatch(payload: &Webhook, webhook_event: &str) -> Option<Kind> {
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

fn dispatch_update(payload: &Webhook) -> Option<Kind> {
    match payload.issue_event_type.as_str() {
        "issue_assigned" | "issue_updated" | "issue_generic" | "issue_resolved" | "issue_closed"
        | "issue_work_started" | "issue_reopened" => Some(Kind::Updated),
        "issue_commented" => Some(Kind::CommentCreated),
        "issue_comment_edited" => Some(Kind::CommentUpdated),
        "issue_comment_deleted" => Some(Kind::CommentDeleted),
        // Old Server sends no event type: infer it from what the payload carries.
        _ if !payload.changelog_items().is_empty() => Some(Kind::Updated),
        _ => match payload.comment.object().filter(|c| !c.id.as_str().is_empty()) {
            Some(comment) => {
                let same = comment.created == comment.updated;
                Some(if same { Kind::CommentCreated } else { Kind::CommentUpdated })
            }
            None => None,
        },
    }
}

fn read_issue(payload: &Webhook, fields: &Fields) -> Issue {
    let issue = payload.issue.object();
    let name = |named: Option<&Named>| named.map(|n| n.name.as_str().to_string());
    let priority = name(fields.priority.object()).filter(|p| !p.is_empty());
    Issue {
        id: issue.map(|i| i.id.as_str().to_string()).unwrap_or_default(),
        key: issue.map(|i| i.key.as_str().to_string()).unwrap_or_default(),
        summary: fields.summary.as_str().to_string(),
        type_name: name(fields.issuetype.object()).unwrap_or_default().to_lowercase(),
        base_url: payload.base_url(),
        project_key: fields.project.object().map(|p| p.key.as_str().to_string()).unwrap_or_default(),
        assignee: fields.assignee.present().and_then(|user| user.shown_name()),
        priority,
        description: fields.description.clone(),
    }
}

/// The person shown for a present user field ("Someone" when it names nobody).
fn person(user: &Slot<User>) -> Option<String> {
    user.present().map(|user| user.shown_name().unwrap_or_else(someone))
}

fn actor_of(payload: &Webhook, kind: Kind) -> Option<String> {
    let author = match payload.comment.object() {
        Some(comment) => &comment.update_author,
        None => &Slot::Missing,
    };
    match kind {
        Kind::CommentCreated | Kind::CommentUpdated => Some(person(author).unwrap_or_else(someone)),
        Kind::CommentDeleted => {
            let has_key = payload.user.object().is_some_and(|u| !u.key.as_str().is_empty());
            person(if has_key { &payload.user } else { author })
        }
        _ => Some(person(&payload.user).unwrap_or_else(someone)),
    }
}

fn someone() -> String {
    "Someone".to_string()
}

fn comment_of(payload: &Webhook, kind: Kind) -> Option<Comment> {
    if !matches!(kind, Kind::CommentCreated | Kind::CommentUpdated | Kind::CommentDeleted) {
        return None;
    }
    let comment = payload.comment.present()?;
    Some(Comment { id: comment.id.as_str().to_string(), body: comment.body.clone() })
}

/// One changelog item → its event and recorded change (SPEC §5.3); `None` if not recognised.
fn change_of(item: &ChangeItem) -> Option<Change> {
    let field = item.field.as_str();
    let from = item.from_string.as_str();
    let to = item.to_string.as_str();
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
        _ if item.fieldtype.as_str() == "custom" => custom_change(item, field, from, to),
        _ => None,
    }
}

fn custom_change(item: &ChangeItem, field: &str, from: &str, to: &str) -> Option<Change> {
    let id = Some(item.field_id.as_str()).filter(|id| !id.is_empty()).unwrap_or(field);
    if id.is_empty() {
        return None;
    }
    let event = format!("{}{}", names::UPDATED_PREFIX, id.to_lowercase());
    Some(change(&event, field, from.into(), to.into()))
}

fn change(event: &str, field: &str, from: String, to: String) -> Change {
    Change { event: event.to_string(), field: field.to_string(), from, to }
}
