//! Events, project and issue type, the safe defaults, and field kinds (SPEC §6.5).

use serde_json::{json, Value};

use super::{cloud_facts, events, filter, issue_facts, issue_payload, set, sub, BUG, PROJECT};
use crate::jira::payload::Payload;
use crate::subscriptions::{matches, FieldFilter, IssueFacts, MatchSettings};

const ON: MatchSettings = MatchSettings { security_level_empty: true, restricted_comments_to_channels: false };
const SECURITY_OFF: MatchSettings =
    MatchSettings { security_level_empty: false, restricted_comments_to_channels: false };
const RESTRICTED_OK: MatchSettings =
    MatchSettings { security_level_empty: true, restricted_comments_to_channels: true };

fn wants(sub_events: &[&str], webhook_events: &[&str]) -> bool {
    matches(&sub(sub_events, vec![]), &events(webhook_events), &issue_facts(json!({})), ON)
}

#[test]
fn the_event_sets_must_meet() {
    let subscribed = ["event_created", "event_updated_status"];
    assert!(wants(&subscribed, &["event_updated_labels", "event_updated_status"]));
    assert!(!wants(&subscribed, &["event_updated_labels"]));
    assert!(!wants(&subscribed, &[]));
    assert!(!wants(&[], &["event_created"]));
}

#[test]
fn event_updated_any_covers_updates_and_comments_only() {
    for covered in [
        &["event_updated_customfield_10072"][..],
        &["event_created_comment"],
        &["event_deleted_comment"],
        &["event_updated_reopened"],
    ] {
        assert!(wants(&["event_updated_any"], covered), "{covered:?}");
    }
    for other in [&["event_created"][..], &["event_deleted", "event_deleted_unresolved"]] {
        assert!(!wants(&["event_updated_any"], other), "{other:?}");
    }
}

#[test]
fn project_and_issue_type_must_be_listed_and_no_projects_means_any() {
    let ev = events(&["event_created"]);
    let other_project = issue_facts(json!({"project": {"id": "10300", "key": "OPS"}}));
    let story = issue_facts(json!({"issuetype": {"id": 10001, "name": "Story"}}));
    let subscription = sub(&["event_created"], vec![]);
    assert!(matches(&subscription, &ev, &issue_facts(json!({})), ON));
    assert!(!matches(&subscription, &ev, &other_project, ON));
    assert!(!matches(&subscription, &ev, &story, ON));
    let mut imported = subscription.clone();
    imported.filters.projects.clear();
    assert!(matches(&imported, &ev, &other_project, ON));
    imported.filters.issue_types = set(&["10001"]);
    assert!(matches(&imported, &ev, &story, ON));
}

fn security_case(fields: Vec<FieldFilter>, level: Value, settings: MatchSettings) -> bool {
    let facts = issue_facts(json!({"security": level}));
    matches(&sub(&["event_created"], fields), &events(&["event_created"]), &facts, settings)
}

#[test]
fn issues_with_a_security_level_need_a_security_filter() {
    let staff = json!({"id": "10000", "name": "Staff only"});
    assert!(!security_case(vec![], staff.clone(), ON));
    assert!(security_case(vec![], staff.clone(), SECURITY_OFF));
    assert!(security_case(vec![], Value::Null, ON));
    assert!(security_case(vec![filter("security", "include_any", &["10000"])], staff.clone(), ON));
    assert!(!security_case(vec![filter("security", "include_any", &["10001"])], staff, ON));
}

#[test]
fn security_exclude_acts_as_empty_under_the_rule() {
    let exclude = || vec![filter("security", "exclude_any", &["10000"])];
    let other_level = json!({"id": "10001", "name": "Contractors"});
    assert!(!security_case(exclude(), json!({"id": "10000"}), ON));
    assert!(!security_case(exclude(), other_level.clone(), ON));
    assert!(security_case(exclude(), Value::Null, ON));
    assert!(security_case(exclude(), other_level, SECURITY_OFF));
}

/// A Cloud `comment_created` webhook on KT-42; `visibility` as Jira sends it, or null.
fn comment_facts(visibility: Value) -> IssueFacts {
    let mut payload = issue_payload(json!({}));
    payload["webhookEvent"] = json!("comment_created");
    payload["comment"] = json!({
        "id": "10871",
        "body": "Root cause is the export worker's memory cap.",
        "author": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Rosa Walsh"},
        "created": "2024-06-10T09:12:44.120+0000",
        "updated": "2024-06-10T09:12:44.120+0000",
    });
    if !visibility.is_null() {
        payload["comment"]["visibility"] = visibility;
    }
    cloud_facts(payload)
}

fn developers_only() -> IssueFacts {
    comment_facts(
        json!({"type": "group", "value": "jira-developers", "identifier": "4fd9a8f3-27c0-4ef8-9e4e-4e3b2f8b6a11"}),
    )
}

fn comment_case(fields: Vec<FieldFilter>, facts: &IssueFacts, settings: MatchSettings) -> bool {
    let comment = ["event_created_comment"];
    matches(&sub(&comment, fields), &events(&comment), facts, settings)
}

#[test]
fn restricted_comments_go_only_where_a_visibility_filter_names_them() {
    let facts = developers_only();
    assert!(!comment_case(vec![], &facts, ON));
    assert!(comment_case(vec![filter("commentVisibility", "include_any", &["jira-developers"])], &facts, ON));
    assert!(comment_case(vec![], &facts, RESTRICTED_OK));
    assert!(!comment_case(vec![filter("commentVisibility", "exclude_any", &["jira-administrators"])], &facts, ON));
    assert!(comment_case(
        vec![filter("commentVisibility", "exclude_any", &["jira-administrators"])],
        &facts,
        RESTRICTED_OK
    ));
    let role = comment_facts(json!({"type": "role", "value": "Administrators"}));
    assert!(comment_case(vec![filter("commentVisibility", "include_any", &["role:Administrators"])], &role, ON));
    assert!(!comment_case(vec![filter("commentVisibility", "include_any", &["Administrators"])], &role, ON));
}

#[test]
fn public_comments_are_visible_to_all_users() {
    let public = comment_facts(Value::Null);
    assert!(comment_case(vec![], &public, ON));
    assert!(!comment_case(vec![filter("commentVisibility", "include_any", &["jira-developers"])], &public, ON));
    assert!(comment_case(vec![filter("commentVisibility", "include_any", &["visible-to-all-users"])], &public, ON));
}

#[test]
fn a_visibility_filter_does_not_block_issue_events() {
    let facts = issue_facts(json!({}));
    let case = |inclusion: &str, value: &str| {
        let fields = vec![filter("commentVisibility", inclusion, &[value])];
        matches(&sub(&["event_updated_status"], fields), &events(&["event_updated_status"]), &facts, ON)
    };
    let outcomes = [
        (case("include_any", "jira-developers"), true),
        (case("include_or_empty", "jira-developers"), true),
        (case("empty", "jira-developers"), true),
        (case("include_all", "jira-developers"), false),
        (case("exclude_any", "jira-developers"), true),
        (case("exclude_any", "visible-to-all-users"), false),
        (case("", "jira-developers"), false),
    ];
    assert_eq!(outcomes.map(|(got, _)| got), outcomes.map(|(_, want)| want));
}

#[test]
fn deleted_comments_keep_the_visible_to_all_rule() {
    let public = comment_facts(Value::Null);
    let fields = vec![filter("commentVisibility", "include_any", &["jira-developers"])];
    let deleted = ["event_deleted_comment"];
    assert!(matches(&sub(&deleted, fields), &events(&deleted), &public, ON));
}

#[test]
fn users_are_matched_by_account_id_on_cloud_and_by_name_on_server() {
    const ACCOUNT: &str = "712020:7c1e6a4b-90f3-4d8e-a2c1-3f5b9d0e8a77";
    let user = json!({"accountId": ACCOUNT, "name": "rwalsh", "displayName": "Rosa Walsh"});
    let payload = issue_payload(json!({"reporter": user, "assignee": user}));
    let cloud = cloud_facts(payload.clone());
    let server = IssueFacts::from_payload(&Payload(payload), false);
    let by = |key: &str, id: &str| sub(&["event_created"], vec![filter(key, "include_any", &[id])]);
    let ev = events(&["event_created"]);
    assert!(matches(&by("reporter", ACCOUNT), &ev, &cloud, ON));
    assert!(!matches(&by("reporter", "rwalsh"), &ev, &cloud, ON));
    assert!(matches(&by("assignee", "rwalsh"), &ev, &server, ON));
    assert!(!matches(&by("assignee", ACCOUNT), &ev, &server, ON));
}

#[test]
fn sprints_cascading_selects_and_numbers() {
    let sprints = [concat!(
        "com.atlassian.greenhopper.service.sprint.Sprint@7f3e21[id=12,rapidViewId=3,state=ACTIVE,name=KT Sprint 12,",
        "goal=,startDate=2024-06-03T08:00:00.000Z,endDate=2024-06-17T08:00:00.000Z,completeDate=<null>,sequence=12]"
    )];
    let payload = issue_payload(json!({
        "customfield_10105": sprints,
        "customfield_10103": {"self": "https://jira.example.org/rest/api/2/customFieldOption/10301",
            "value": "Hardware", "id": "10301", "child": {"value": "Disk", "id": "10305"}},
        "customfield_10110": 5.0,
    }));
    let facts = IssueFacts::from_payload(&Payload(payload), false);
    let by = |key: &str, value: &str| {
        let subscription = sub(&["event_created"], vec![filter(key, "include_any", &[value])]);
        matches(&subscription, &events(&["event_created"]), &facts, ON)
    };
    assert!(by("customfield_10105", "12"));
    assert!(!by("customfield_10105", "KT Sprint 12"));
    assert!(by("customfield_10103", "10301"));
    assert!(!by("customfield_10103", "10305"));
    assert!(by("customfield_10110", "5"));
    assert_eq!((facts.project_key.as_str(), facts.issue_type_id.as_str()), (PROJECT, BUG));
}
