//! Who a payload names for personal DMs, in §5.9's order, and the texts they get.

use super::*;
use crate::events::model::NormalizedEvent;
use crate::mattermost::post::PostType;
use crate::store::NotificationSettings;
use serde_json::json;

fn comment_payload() -> Value {
    json!({
        "timestamp": 1, "webhookEvent": "comment_created",
        "user": {"name": "carol", "displayName": "Carol"},
        "issue": {"id": "10", "key": "DEMO-1", "self": "https://jira.example.com/rest/api/2/issue/10",
            "fields": {"summary": "Crash @all", "issuetype": {"name": "Bug"}, "project": {"key": "DEMO"},
                "assignee": {"name": "ada", "displayName": "Ada"}, "reporter": {"name": "dan", "displayName": "Dan"},
                "creator": {"name": "dan"}}},
        "comment": {"id": "77", "body": "[~bob] and [~carol] and [~accountid:5b10] look", "author": {"name": "carol"},
            "updateAuthor": {"name": "carol", "displayName": "Carol"}}
    })
}

fn parsed(payload: &Value) -> NormalizedEvent {
    let bytes = serde_json::to_vec(payload).unwrap();
    normalize(&Webhook::parse(&bytes).unwrap()).unwrap()
}

#[test]
fn a_comment_names_mentions_then_assignee_then_reporter_never_its_author() {
    let payload = comment_payload();
    let found: Vec<(String, Role)> =
        candidates(&parsed(&payload), &payload).into_iter().map(|c| (c.jira_user, c.role)).collect();
    assert_eq!(
        found,
        [
            ("bob".to_string(), Role::Mention),
            ("5b10".to_string(), Role::Mention),
            ("ada".to_string(), Role::Assignee),
            ("dan".to_string(), Role::Reporter),
        ]
    );
}

#[test]
fn a_mentioned_assignee_is_named_once_for_the_mention() {
    let mut payload = comment_payload();
    payload["comment"]["body"] = json!("[~ada] can you look?");
    let found: Vec<(String, Role)> =
        candidates(&parsed(&payload), &payload).into_iter().map(|c| (c.jira_user, c.role)).collect();
    // With mention DMs off, Ada gets none: not a "commented" one instead.
    assert_eq!(found, [("ada".to_string(), Role::Mention), ("dan".to_string(), Role::Reporter)]);
}

#[test]
fn an_assignment_names_the_assignee_unless_they_did_it() {
    let mut payload = json!({
        "timestamp": 1, "webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_assigned",
        "user": {"name": "carol"},
        "issue": {"id": "10", "key": "DEMO-1", "self": "https://jira.example.com/rest/api/2/issue/10",
            "fields": {"summary": "S", "issuetype": {"name": "Task"}, "project": {"key": "DEMO"}, "assignee": {"name": "ada"}}},
        "changelog": {"id": "5", "items": [{"field": "assignee", "fieldtype": "jira", "from": null, "to": "ada"}]}
    });
    let found = candidates(&parsed(&payload), &payload);
    assert_eq!(found, [Candidate { jira_user: "ada".into(), role: Role::Assigned }]);
    payload["user"] = json!({"name": "ada"});
    assert!(candidates(&parsed(&payload), &payload).is_empty(), "assigning oneself makes no DM");
}

#[test]
fn texts_follow_the_table_and_quiet_channel_mentions() {
    let payload = comment_payload();
    let event = parsed(&payload);
    let (mention, kind) = message(&event, Role::Mention);
    assert_eq!(kind, Some(PostType::JiraMention));
    assert!(mention.starts_with("Carol **mentioned** you in a new comment on bug [DEMO-1: Crash @\u{2060}all](https://jira.example.com/browse/DEMO-1):\n> "), "{mention}");
    let (watching, _) = message(&event, Role::Watching);
    assert!(watching.ends_with("\n\n*You are watching this bug*"), "{watching}");
    let (reported, kind) = message(&event, Role::Reporter);
    assert!(reported.ends_with("\n\n*You reported this bug*") && kind == Some(PostType::JiraComment), "{reported}");
}

#[test]
fn roles_follow_the_settings_and_the_master_switch() {
    let mut settings = NotificationSettings::all_on();
    settings.watching = false;
    assert!(Role::Mention.wanted(&settings) && !Role::Watching.wanted(&settings));
    assert!(Role::Assigned.wanted(&settings), "assignments come under the assignee role");
    settings.notifications = false;
    assert!(!Role::Mention.wanted(&settings));
}

#[test]
fn a_cloud_comment_without_user_takes_its_author_as_the_actor() {
    let mut payload = comment_payload();
    payload.as_object_mut().unwrap().remove("user");
    payload["issue"]["fields"]["assignee"] = json!({"accountId": "carol-id"});
    payload["comment"]["author"] = json!({"accountId": "carol-id", "displayName": "Carol"});
    let found: Vec<String> = candidates(&parsed(&payload), &payload).into_iter().map(|c| c.jira_user).collect();
    assert!(!found.contains(&"carol-id".to_string()), "no DM about one's own comment: {found:?}");
}

#[test]
fn dms_wait_for_routing_only_while_the_router_may_still_be_asking_jira() {
    use crate::store::records::RoutingStatus;
    let event = |kind: RoutingKind| EventRecordV1 {
        received_at_ms: 1_000_000,
        source: "firehose".into(),
        instance_id: None,
        webhook_event: "comment_created".into(),
        issue_key: "DEMO-1".into(),
        project_key: "DEMO".into(),
        events: Vec::new(),
        status: RoutingStatus::new(kind),
        headers: Vec::new(),
        raw_body: Vec::new(),
    };
    let pending = event(RoutingKind::RoutingPending);
    assert!(waits_for_routing(&pending, 1_000_000 + ROUTING_WAIT_MS - 1));
    assert!(!waits_for_routing(&pending, 1_000_000 + ROUTING_WAIT_MS), "then the DMs read Jira themselves");
    assert!(!waits_for_routing(&event(RoutingKind::Routed), 1_000_000), "a routed event never waits");
}
