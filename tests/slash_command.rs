//! `/jira` over HTTP as Mattermost sends it (SPEC §3.3, §9.1, §11): the form token decides,
//! bodies over 1 MiB are refused, and every answer is a 200 ephemeral with plain sentences.

use jirabridge::config::Secret;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::app::{spawn_app_with, TestApp};
use std::time::Duration;

use crate::support::fake_mattermost::{CommandReply, Failure};

const COMMAND_TOKEN: &str = "cmdtoken0000000000000000aa";

async fn app() -> TestApp {
    spawn_app_with(|c| c.mattermost.command_tokens = vec![Secret::new(COMMAND_TOKEN.into())]).await
}

async fn jira(app: &TestApp, user_id: &str, token: &str, line: &str) -> CommandReply {
    app.slash(user_id, token, line).await
}

#[tokio::test]
async fn an_unknown_token_is_refused_before_anything_runs() {
    let app = app().await;
    let admin = app.mm.add_user("root", "system_user system_admin");
    let refused = jira(&app, &admin, "wrongtoken000000000000000a", "/jira instance list").await;
    assert_eq!((refused.status, refused.text()), (401, "invalid command token".to_string()));
    assert!(!app.mm.requests().iter().any(|(_, path)| path.contains("/users/")), "no lookup for a refused command");
    app.shutdown().await;
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused() {
    let app = app().await;
    let body = format!("token={COMMAND_TOKEN}&text={}", "a".repeat(1024 * 1024 + 1));
    let response = app
        .http
        .post(format!("{}/mattermost/command", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    app.shutdown().await;
}

#[tokio::test]
async fn replies_are_ephemeral_sentences_for_users_and_admins() {
    let app = app().await;
    let user = app.mm.add_user("ann", "system_user");
    let admin = app.mm.add_user("root", "system_user system_admin");
    let help = jira(&app, &user, COMMAND_TOKEN, "/jira help").await;
    assert_eq!(help.status, 200);
    assert_eq!(help.body["response_type"], "ephemeral");
    assert_eq!(help.body["skip_slack_parsing"], true);
    assert!(help.text().starts_with("###### jirabridge - Slash Command Help\n"));
    assert!(!help.text().contains("For System Administrators"));
    let admin_help = jira(&app, &admin, COMMAND_TOKEN, "/jira").await;
    assert!(admin_help.text().contains("###### For System Administrators:"));
    let refused = jira(&app, &user, COMMAND_TOKEN, "/jira instance list").await;
    assert_eq!(refused.text(), "`/jira instance list` can only be run by a system administrator.");
    assert_eq!(jira(&app, &admin, COMMAND_TOKEN, "/jira instance list").await.text(), "(none installed)\n");
    let bad = jira(&app, &admin, COMMAND_TOKEN, "/jira view X-1 --instance").await;
    assert_eq!((bad.status, bad.text()), (200, "--instance requires a value".to_string()));
    let about = jira(&app, &user, COMMAND_TOKEN, "/jira about").await.text();
    assert!(about.starts_with(&format!("jirabridge {} (", env!("CARGO_PKG_VERSION"))), "{about}");
    // Built from a git checkout (as CI always is), the commit and its date are named.
    let checkout = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.git/HEAD")).is_file();
    if checkout || std::env::var("CI").is_ok_and(|v| v == "true") {
        assert!(!about.contains("unknown"), "{about}");
    }
    let me = jira(&app, &user, COMMAND_TOKEN, "/jira me").await.text();
    let nothing = "No Jira instances have been installed. Please contact the system administrator.";
    assert!(me.ends_with(&format!("\n\n{nothing}\n\n###### Available Jira instances:\n(none installed)\n")), "{me}");
    app.shutdown().await;
}

#[tokio::test]
async fn an_admin_manages_instances_and_gets_the_webhook_urls() {
    let app = app().await;
    let admin = app.mm.add_user("root", "system_user system_admin");
    let request = json!({"url": "https://jira.example.com", "type": "server"});
    let added = app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let aliased = jira(&app, &admin, COMMAND_TOKEN, "/jira instance alias https://jira.example.com prod").await;
    assert_eq!(aliased.text(), "You have successfully aliased instance https://jira.example.com to `prod`.");
    let spaced = jira(&app, &admin, COMMAND_TOKEN, "/jira instance alias https://jira.example.com Prod Jira").await;
    assert_eq!(spaced.text(), "Alias `Prod Jira` is an invalid alias. Please choose an alias without spaces.");
    let unknown = jira(&app, &admin, COMMAND_TOKEN, "/jira instance unalias staging").await;
    assert_eq!(unknown.text(), "Instance with alias `staging` does not exist.");
    let list = jira(&app, &admin, COMMAND_TOKEN, "/jira instance list").await.text();
    assert_eq!(list, "| |Alias|URL|Type|\n|--|--|--|\n|1|prod|https://jira.example.com|server|\n");
    let webhook = jira(&app, &admin, COMMAND_TOKEN, "/jira webhook --instance prod").await.text();
    let base = format!("http://{}", app.state.config().server.listen);
    let encoded = jirabridge::jira::instance::encode_id("https://jira.example.com");
    let secret = url::form_urlencoded::byte_serialize(crate::support::app::SECRET.as_bytes()).collect::<String>();
    let firehose = format!("{base}/plugins/jira/instance/{encoded}/api/v2/webhook?secret={secret}");
    let legacy = format!("{base}/plugins/jira/instance/{encoded}/webhook?secret={secret}&team=eng&channel=jira-feed");
    assert_eq!(
        webhook,
        format!(
            "To set up webhook for instance https://jira.example.com please navigate to [Jira System Settings/Webhooks](https://jira.example.com/plugins/servlet/webhooks) \
             where you can add webhooks.\n##### Subscriptions webhook.\n`{firehose}`\n[{firehose}]({firehose})\n\
             ##### Legacy webhooks\n`{legacy}`\n[{legacy}]({legacy})\n"
        ),
        "SPEC §9.4 word for word"
    );
    let user = app.mm.add_user("ann", "system_user");
    let me = jira(&app, &user, COMMAND_TOKEN, "/jira me").await.text();
    assert!(
        me.ends_with(&format!(
            "\n\nJira is installed, but you are not connected. Please type `/jira connect` to connect.\n\n\
             ###### Available Jira instances:\n{list}"
        )),
        "{me}"
    );
    let audit: serde_json::Value = app.api(Method::GET, "/audit").send().await.unwrap().json().await.unwrap();
    assert!(
        audit.to_string().contains(&format!("mm:{admin}")),
        "the change is audited as the Mattermost user: {audit}"
    );
    app.shutdown().await;
}

/// Issue keys are read at the edge (issue 15): a word that is no key such as PROJ-123 gets
/// a sentence at once, before any connection or Jira is looked at.
#[tokio::test]
async fn a_word_that_is_no_issue_key_is_answered_at_once() {
    let app = app().await;
    let user = app.mm.add_user("ann", "system_user");
    for (line, word) in [("/jira view 10001", "10001"), ("/jira transition ../admin done", "../admin")] {
        let reply = jira(&app, &user, COMMAND_TOKEN, line).await;
        assert_eq!(reply.text(), format!("`{word}` is not a Jira issue key such as PROJ-123."), "{line}");
    }
    let reply = jira(&app, &user, COMMAND_TOKEN, "/jira view ext-1").await;
    assert!(reply.text().starts_with("There is no Jira instance installed."), "a key goes on: {}", reply.text());
    app.shutdown().await;
}

#[tokio::test]
async fn commands_that_need_jira_say_so_until_a_connection_exists() {
    let app = spawn_app_with(|c| {
        c.mattermost.command_tokens = vec![Secret::new(COMMAND_TOKEN.into())];
        c.jira.push_only = true;
    })
    .await;
    let user = app.mm.add_user("ann", "system_user");
    let reply = jira(&app, &user, COMMAND_TOKEN, "/jira view EXT-1").await;
    assert_eq!(reply.text(), "This jirabridge runs in push-only mode: it cannot contact Jira.");
    // `/jira me` does not send anyone to a `/jira connect` that cannot work.
    let me = jira(&app, &user, COMMAND_TOKEN, "/jira me").await.text();
    assert!(
        me.contains("\n\nThis jirabridge runs in push-only mode: Jira accounts are not connected here.\n\n"),
        "{me}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_slow_command_says_it_is_working_and_answers_at_the_response_url() {
    let app = spawn_app_with(|c| {
        c.mattermost.command_tokens = vec![Secret::new(COMMAND_TOKEN.into())];
        c.mattermost.command_sync_budget_ms = 100;
    })
    .await;
    let admin = app.mm.add_user("root", "system_user system_admin");
    // Reading the caller's roles takes longer than the budget.
    app.mm.fail_route("GET", "/api/v4/users/", Failure::Delay(Duration::from_millis(400)));
    let reply = jira(&app, &admin, COMMAND_TOKEN, "/jira instance list").await;
    assert_eq!((reply.status, reply.text()), (200, "Working on it…".to_string()));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.mm.command_responses().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no late answer");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let late = app.mm.command_responses().remove(0);
    assert_eq!(late["text"], "(none installed)\n");
    assert_eq!(late["response_type"], "ephemeral");
    app.shutdown().await;
}

/// `/jira stats` and `/jira setup` as an admin reads them, from a real store.
#[tokio::test]
async fn stats_and_setup_answer_with_what_the_store_holds() {
    let app = spawn_app_with(|c| {
        c.mattermost.command_tokens = vec![Secret::new(COMMAND_TOKEN.into())];
        c.server.public_url = "https://jirabridge.example.com".into();
    })
    .await;
    let admin = app.mm.add_user("root", "system_user system_admin");
    let setup = jira(&app, &admin, COMMAND_TOKEN, "/jira setup").await.text();
    assert_eq!(
        setup,
        "###### Setting up jirabridge\nThe admin console: https://jirabridge.example.com/admin/\n\
         * ✓ A bot token for Mattermost (mattermost.bot_token)\n\
         * ✓ The /jira command registered in the team\n\
         * ☐ A Jira instance added\n\
         * ☐ A Jira webhook pointing at jirabridge (an event received)\n\
         * ☐ Your Jira account connected (/jira connect)\n"
    );
    let instance = json!({"url": "https://acme.atlassian.net", "type": "cloud"});
    app.api(Method::POST, "/instances?skip_check=true").json(&instance).send().await.unwrap();
    let rule = json!({"channel_id": app.channel_id, "name": "Ops", "instance_id": "https://acme.atlassian.net",
        "filters": {"events": ["event_created"], "projects": ["OPS"], "issue_types": ["10004"]}});
    assert_eq!(app.api(Method::POST, "/subscriptions").json(&rule).send().await.unwrap().status(), 201);
    let url = format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET);
    app.post(&url, crate::support::fixtures::own("cloud-issue-created.json")).await;
    app.deliver().await;
    let stats = jira(&app, &admin, COMMAND_TOKEN, "/jira stats").await.text();
    assert_eq!(
        stats,
        "###### jirabridge statistics\n\
         * Jira instances: 1 (0 Server or Data Center, 1 Cloud)\n\
         * Subscriptions: 1 active, 0 broken\n\
         * Connected users: 0\n\
         * Last 24 hours: 1 event received, 1 post made\n\
         * Dead deliveries in the last 24 hours: 0\n"
    );
    let setup = jira(&app, &admin, COMMAND_TOKEN, "/jira setup").await.text();
    assert!(setup.contains("* ✓ A Jira instance added\n* ✓ A Jira webhook pointing at jirabridge"), "{setup}");
    // Uninstalled, the instance's rule is kept for a reinstall but is no longer active.
    let encoded = jirabridge::jira::instance::encode_id("https://acme.atlassian.net");
    assert_eq!(app.api(Method::DELETE, &format!("/instances/{encoded}")).send().await.unwrap().status(), 204);
    let stats = jira(&app, &admin, COMMAND_TOKEN, "/jira stats").await.text();
    assert!(stats.contains("* Subscriptions: 0 active, 0 broken, 1 of uninstalled instances\n"), "{stats}");
    app.shutdown().await;
}

/// A connect link is opened in the browser: without `server.public_url` there is none to
/// give, and the user is told why instead of getting a link to jirabridge's listen address.
#[tokio::test]
async fn no_connect_link_points_at_the_listen_address() {
    let app = app().await;
    let instance = json!({"url": "https://jira.example.com", "type": "server"});
    app.api(Method::POST, "/instances?skip_check=true").json(&instance).send().await.unwrap();
    let ann = app.mm.add_user("ann", "system_user");
    let answer = jira(&app, &ann, COMMAND_TOKEN, "/jira connect").await;
    assert!(
        answer.text().starts_with("jirabridge does not know its public address (server.public_url)"),
        "{}",
        answer.body
    );
    assert!(!answer.body.to_string().contains("/user/connect"), "{}", answer.body);
    app.shutdown().await;
}

/// A system admin whose role cannot be read (the bot token is wrong, so Mattermost answers
/// 401) is told what to fix instead of being called a non-admin: `/jira setup` is where a
/// new admin starts.
#[tokio::test]
async fn an_admin_command_names_the_bot_token_when_roles_cannot_be_read() {
    let app = spawn_app_with(|c| {
        c.mattermost.command_tokens = vec![Secret::new(COMMAND_TOKEN.into())];
        c.mattermost.bot_token = Secret::new("wrongbottoken00000000000aa".into());
    })
    .await;
    let admin = app.mm.add_user("root", "system_user system_admin");
    let reply = jira(&app, &admin, COMMAND_TOKEN, "/jira setup").await.text();
    assert!(
        reply.starts_with(
            "`/jira setup` is for system administrators, and Mattermost could not be asked for your role ("
        ),
        "{reply}"
    );
    assert!(
        reply.ends_with("Check `mattermost.bot_token` and `mattermost.url` in jirabridge's configuration."),
        "{reply}"
    );
    assert!(!reply.contains("wrongbottoken"), "the token is never shown: {reply}");
    app.shutdown().await;
}
