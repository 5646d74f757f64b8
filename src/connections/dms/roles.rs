//! Who a DM-making event concerns and what each is told (SPEC §5.9): the roles in their
//! order (mentions, assignee, watchers, reporter), the people a payload names for each, and
//! the message per role.

use serde_json::Value;

use crate::events::model::{Kind, NormalizedEvent};
use crate::events::names;
use crate::events::render::{issue_link, render, RenderOptions};
use crate::events::untrusted::{defuse, quiet_mentions};
use crate::mattermost::post::PostType;
use crate::store::NotificationSettings;

/// Why one role's DM goes to someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Assigned,
    Mention,
    Assignee,
    Watching,
    Reporter,
}

impl Role {
    pub(super) fn wanted(self, settings: &NotificationSettings) -> bool {
        settings.notifications
            && match self {
                Role::Assigned | Role::Assignee => settings.assignee,
                Role::Mention => settings.mention,
                Role::Watching => settings.watching,
                Role::Reporter => settings.reporter,
            }
    }
}

/// A DM to make: who (Jira reverse key) and why.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Candidate {
    pub(super) jira_user: String,
    pub(super) role: Role,
}

/// A Jira user in a payload as the reverse key knows them: accountId, else name.
pub(super) fn person(value: &Value) -> Option<String> {
    [&value["accountId"], &value["name"]].iter().filter_map(|v| v.as_str()).find(|v| !v.is_empty()).map(str::to_string)
}

/// `[~accountid:X]` and `[~name]` in wiki text, and mention nodes in an ADF document.
pub(super) fn mentioned(body: &Value) -> Vec<String> {
    let mut found = Vec::new();
    match body {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(at) = rest.find("[~") {
                rest = &rest[at + 2..];
                let Some(end) = rest.find(']') else { break };
                let reference = &rest[..end];
                found.push(reference.strip_prefix("accountid:").unwrap_or(reference).to_string());
                rest = &rest[end..];
            }
        }
        Value::Object(node) => {
            if node.get("type").and_then(Value::as_str) == Some("mention") {
                if let Some(id) = node.get("attrs").and_then(|a| a.get("id")).and_then(Value::as_str) {
                    found.push(id.to_string());
                }
            }
            node.values().for_each(|child| found.extend(mentioned(child)));
        }
        Value::Array(children) => children.iter().for_each(|child| found.extend(mentioned(child))),
        _ => {}
    }
    found
}

/// Who the event concerns, in §5.9's order, before mapping, settings and permissions.
/// Watchers are added by the caller (they need Jira).
pub(super) fn candidates(parsed: &NormalizedEvent, payload: &Value) -> Vec<Candidate> {
    let fields = &payload["issue"]["fields"];
    // Jira Cloud comment payloads name no `user`: the comment's author acted.
    let comment = &payload["comment"];
    let actor =
        person(&payload["user"]).or_else(|| person(&comment["author"])).or_else(|| person(&comment["updateAuthor"]));
    let assignee = person(&fields["assignee"]);
    let candidate = |jira_user: String, role| Candidate { jira_user, role };
    match parsed.kind {
        Kind::Created => {
            assignee.filter(|a| Some(a) != actor.as_ref()).map(|a| candidate(a, Role::Assigned)).into_iter().collect()
        }
        Kind::Updated if parsed.changes.len() == 1 && parsed.changes[0].event == names::UPDATED_ASSIGNEE => {
            assignee.filter(|a| Some(a) != actor.as_ref()).map(|a| candidate(a, Role::Assigned)).into_iter().collect()
        }
        Kind::CommentCreated => {
            let comment = &payload["comment"];
            let author = person(&comment["author"]).or_else(|| person(&comment["updateAuthor"]));
            let not_them = |who: &String| Some(who) != actor.as_ref() && Some(who) != author.as_ref();
            let mentions = mentioned(&comment["body"]);
            // §5.9: the assignee "unless mentioned already", whether or not the mention DM
            // is wanted (a mention DM turned off must not come back as a comment DM).
            let assignee_mentioned = assignee.as_ref().is_some_and(|a| mentions.contains(a));
            let mut out: Vec<Candidate> =
                mentions.into_iter().filter(not_them).map(|m| candidate(m, Role::Mention)).collect();
            if let Some(assignee) = assignee.filter(|a| Some(a) != actor.as_ref() && !assignee_mentioned) {
                out.push(candidate(assignee, Role::Assignee));
            }
            if let Some(reporter) = person(&fields["reporter"]).filter(|r| Some(r) != actor.as_ref()) {
                out.push(candidate(reporter, Role::Reporter));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The DM's text (SPEC §5.9 table), with Jira text made harmless (§5.7).
pub(super) fn message(parsed: &NormalizedEvent, role: Role) -> (String, Option<PostType>) {
    let actor = &parsed.actor;
    let link = issue_link(parsed);
    let quoted = render(parsed, &RenderOptions::default()).text;
    let with_quote = |head: String| {
        let head = quiet_mentions(&defuse(&head));
        if quoted.is_empty() {
            head
        } else {
            format!("{head}:\n{quoted}")
        }
    };
    let kind = quiet_mentions(&defuse(&parsed.issue.type_name));
    match role {
        Role::Assigned => (quiet_mentions(&defuse(&format!("{actor} **assigned** you to {link}"))), None),
        Role::Mention => {
            (with_quote(format!("{actor} **mentioned** you in a new comment on {link}")), Some(PostType::JiraMention))
        }
        Role::Assignee => (with_quote(format!("{actor} **commented** on {link}")), Some(PostType::JiraComment)),
        Role::Watching => (
            format!("{}\n\n*You are watching this {kind}*", with_quote(format!("{actor} **commented** on {link}"))),
            Some(PostType::JiraComment),
        ),
        Role::Reporter => (
            format!("{}\n\n*You reported this {kind}*", with_quote(format!("{actor} **commented** on {link}"))),
            Some(PostType::JiraComment),
        ),
    }
}
