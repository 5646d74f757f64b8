//! Mentions of Jira users the payload does not name show their Jira display names, looked up
//! with the admin credentials; never in push-only mode. Someone who connected their Jira
//! account shows as their Mattermost `@username` (SPEC §5.6).

use jirabridge::store::{Connection, ConnectionAuth, JiraUser, NotificationSettings};

use crate::support::app::{spawn_app_with, TestApp};
use crate::support::fake_jira::{FakeJira, API_TOKEN, EMAIL};

fn comment_payload(jira: &str) -> Vec<u8> {
    serde_json::json!({
        "webhookEvent": "comment_created",
        "timestamp": 1_700_000_000_000u64,
        "user": {"accountId": "5b10", "displayName": "Ann Lee"},
        "issue": {"id": "10001", "key": "KT-7", "self": format!("{jira}/rest/api/2/issue/10001"),
                  "fields": {"summary": "Login fails", "issuetype": {"name": "Bug"}, "project": {"key": "KT"}}},
        "comment": {"id": "200", "body": "[~accountid:77ff] and [~accountid:0000] please look",
                    "author": {"accountId": "5b10", "displayName": "Ann Lee"}}
    })
    .to_string()
    .into_bytes()
}

/// An app with the admin credentials and the fake as a Server instance, `push_only` as given.
pub(crate) async fn app_for(jira: &FakeJira, push_only: bool) -> TestApp {
    let app = spawn_app_with(|c| {
        c.jira.admin_api_token = jirabridge::config::Secret::new(API_TOKEN.into());
        c.jira.admin_email = EMAIL.into();
        c.jira.push_only = push_only;
    })
    .await;
    let added = app
        .api(reqwest::Method::POST, "/instances?skip_check=true")
        .json(&serde_json::json!({"url": jira.url, "type": "server"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    app
}

/// A Mattermost user `name` connected to `jira` as `jira_user`, with the token `<name>-token`
/// (as the store keeps it after `/jira connect`); answers their Mattermost id.
fn connected(app: &TestApp, jira: &FakeJira, name: &str, jira_user: JiraUser) -> String {
    let user = app.mm.add_user(name, "system_user");
    let connection = Connection {
        instance_id: jira.url.clone(),
        mm_user_id: user.clone(),
        jira: jira_user,
        auth: ConnectionAuth::Pat { token: format!("{name}-token") },
        settings: NotificationSettings::all_on(),
        saved_project_key: None,
        saved_issue_type: None,
        connected_at_ms: 1,
    };
    app.state.store.put_connection(&connection, &app.state.master_key).unwrap();
    user
}

#[tokio::test]
async fn a_mentioned_user_shows_the_name_jira_gives() {
    let jira = FakeJira::start().await;
    jira.add_user("accountid:77ff", "Dana Scully");
    let app = app_for(&jira, false).await;
    assert_eq!(app.post(&app.legacy_url("&updated_comments=1"), comment_payload(&jira.url)).await.status(), 200);
    app.deliver().await;
    let post = serde_json::to_string(&app.channel_posts()[0].props).unwrap();
    assert!(post.contains("Dana Scully and 0000 please look"), "{post}");
    let lookups: Vec<String> = jira.requests().into_iter().filter(|r| r.contains("/rest/api/2/user")).collect();
    assert_eq!(lookups.len(), 2, "one per unknown person, none for the author: {lookups:?}");

    // The same people again: answered from the cache.
    let mut again = comment_payload(&jira.url);
    again = String::from_utf8(again).unwrap().replace("\"200\"", "\"201\"").into_bytes();
    assert_eq!(app.post(&app.legacy_url("&updated_comments=1"), again).await.status(), 200);
    app.deliver().await;
    assert_eq!(jira.requests().iter().filter(|r| r.contains("/rest/api/2/user")).count(), 2);
    app.shutdown().await;
    jira.stop().await;
}

#[tokio::test]
async fn push_only_mode_never_asks_jira() {
    let jira = FakeJira::start().await;
    jira.add_user("accountid:77ff", "Dana Scully");
    let app = app_for(&jira, true).await;
    assert_eq!(app.post(&app.legacy_url("&updated_comments=1"), comment_payload(&jira.url)).await.status(), 200);
    app.deliver().await;
    let post = serde_json::to_string(&app.channel_posts()[0].props).unwrap();
    assert!(post.contains("77ff and 0000 please look"), "{post}");
    assert!(jira.requests().is_empty(), "{:?}", jira.requests());
    app.shutdown().await;
    jira.stop().await;
}

#[tokio::test]
async fn a_jira_the_admin_did_not_add_is_never_asked() {
    let jira = FakeJira::start().await;
    let stranger = FakeJira::start().await;
    stranger.add_user("accountid:77ff", "Dana Scully");
    let app = app_for(&jira, false).await;
    assert_eq!(app.post(&app.legacy_url("&updated_comments=1"), comment_payload(&stranger.url)).await.status(), 200);
    app.deliver().await;
    assert!(stranger.requests().is_empty(), "payload URLs are not followed");
    app.shutdown().await;
    jira.stop().await;
    stranger.stop().await;
}

#[tokio::test]
async fn a_connected_user_is_mentioned_by_their_mattermost_username() {
    let jira = FakeJira::start().await;
    jira.add_user("accountid:0000", "Fox Mulder");
    let app = app_for(&jira, false).await;
    let dana = JiraUser { account_id: "77ff".into(), display_name: "Dana Scully".into(), ..JiraUser::default() };
    connected(&app, &jira, "dana", dana);
    assert_eq!(app.post(&app.legacy_url("&updated_comments=1"), comment_payload(&jira.url)).await.status(), 200);
    app.deliver().await;
    let post = serde_json::to_string(&app.channel_posts()[0].props).unwrap();
    assert!(post.contains("@dana and Fox Mulder please look"), "{post}");
    // Another post naming her: her username comes from memory, not from Mattermost again.
    let again = String::from_utf8(comment_payload(&jira.url)).unwrap().replace("\"200\"", "\"201\"");
    assert_eq!(app.post(&app.legacy_url("&updated_comments=1"), again).await.status(), 200);
    app.deliver().await;
    assert!(serde_json::to_string(&app.channel_posts()[1].props).unwrap().contains("@dana and"));
    let asked = app.mm.requests().iter().filter(|(method, path)| method == "GET" && path.contains("/users/")).count();
    assert_eq!(asked, 1, "one lookup for two posts: {:?}", app.mm.requests());
    app.shutdown().await;
    jira.stop().await;
}

/// DMs name mentioned people as channel posts do: the connected as `@username`, the others
/// by the name Jira gives.
#[tokio::test]
async fn a_dm_names_mentioned_people_as_channel_posts_do() {
    let jira = FakeJira::start().await;
    jira.add_user("zed", "Zed Zebra");
    jira.add_pat_user("ada-token", "ada", "Ada Person");
    jira.add_issue("DEMO-1", serde_json::json!({"summary": "Crash on start"}));
    let app = app_for(&jira, false).await;
    let ada = connected(&app, &jira, "ada", JiraUser { name: "ada".into(), ..JiraUser::default() });
    let comment = serde_json::json!({
        "timestamp": 1_700_000_000_000u64, "webhookEvent": "comment_created",
        "user": {"name": "carol", "displayName": "Carol"},
        "issue": {"id": "10", "key": "DEMO-1", "self": format!("{}/rest/api/2/issue/10", jira.url),
            "fields": {"summary": "Crash on start", "issuetype": {"name": "Bug"}, "project": {"key": "DEMO"},
                "reporter": {"name": "dan"}, "creator": {"name": "dan"}}},
        "comment": {"id": "77", "body": "[~ada] and [~zed] look", "author": {"name": "carol"}}
    });
    let url = format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET);
    assert_eq!(app.post(&url, comment.to_string()).await.status(), 200);
    assert_eq!(app.state.connections.decide_direct_messages().await.unwrap(), 1);
    app.deliver().await;
    let dm = app.mm.direct_messages(&ada).pop().expect("ada was mentioned");
    assert!(dm.message.ends_with("> @ada and Zed Zebra look"), "{}", dm.message);
    app.shutdown().await;
    jira.stop().await;
}
