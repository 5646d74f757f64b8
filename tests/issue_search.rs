//! The attach form's issue search (SPEC §10.2): on Mattermost 11.0 and later the form's
//! issue is a dynamic select whose lookups come back signed with the form's state; the
//! exact key comes first, then Jira's text search, or the recent issues when nothing is
//! typed. Older Mattermost gets a typed key. A lookup reads only: the form still submits.

use serde_json::{json, Value};

use crate::connected::{app_with_server, connect, jira_command, submit_last_form, ADA_PAT};
use crate::support::fake_jira::FakeJira;

fn values(items: &Value) -> Vec<&str> {
    items["items"].as_array().expect("items").iter().map(|i| i["value"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn on_mattermost_11_the_issue_is_picked_from_a_search() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start"}));
    jira.add_issue("DEMO-2", json!({"summary": "Login fails"}));
    jira.add_issue("OPS-3", json!({"summary": "Login page slow"}));
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user");
    app.mm.add_member(&app.channel_id, &ada);
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let message = app.mm.add_user_post(&app.channel_id, &ada, "Seen again today");

    // Mattermost 10: a typed key.
    assert_eq!(jira_command(&app, &ada, &format!("/jira attach --post {message}")).await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    assert_eq!(form["dialog"]["elements"][0]["type"], "text", "{form}");

    app.mm.set_server_version("11.0.2");
    assert_eq!(jira_command(&app, &ada, &format!("/jira attach --post {message}")).await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    let issue = &form["dialog"]["elements"][0];
    assert_eq!((&issue["type"], &issue["data_source"]), (&json!("select"), &json!("dynamic")), "{form}");
    let lookup_url = issue["data_source_url"].as_str().unwrap();
    assert!(lookup_url.ends_with("/mattermost/lookup"), "{lookup_url}");
    assert_eq!(app.mm.dialog_problems(), Vec::<String>::new());
    let state = form["dialog"]["state"].as_str().unwrap();

    let lookup = |typed: &'static str| app.mm.lookup(lookup_url, &ada, &app.channel_id, state, ("issue", typed));
    let (status, recent) = lookup("").await;
    assert_eq!(status, 200);
    assert_eq!(values(&recent), ["DEMO-1", "DEMO-2", "OPS-3"], "nothing typed: the recent issues");
    assert_eq!(values(&lookup("login").await.1), ["DEMO-2", "OPS-3"]);
    let (_, exact) = lookup("demo-1").await;
    assert_eq!(values(&exact)[0], "DEMO-1", "the key first");
    assert_eq!(exact["items"][0]["text"], "DEMO-1: Crash on start");
    let searches = jira.requests().iter().filter(|r| r.starts_with("GET /rest/api/2/search")).count();
    assert_eq!(searches, 3);

    // Someone else's lookup with Ada's form is refused; Ada's lookups left the form usable.
    let bob = app.mm.add_user("bob", "system_user");
    let (status, _) = app.mm.lookup(lookup_url, &bob, &app.channel_id, state, ("issue", "login")).await;
    assert_eq!(status, 403);
    assert_eq!(submit_last_form(&app, &ada, json!({"issue": "OPS-3"})).await, json!({}));
    let comment = jira.comments("OPS-3").pop().expect("the message became a comment");
    assert!(comment.ends_with("Seen again today"), "{comment}");
    let (_, replayed) = lookup("login").await;
    assert_eq!(values(&replayed), ["DEMO-2", "OPS-3"], "a lookup only reads");
    app.shutdown().await;
}
