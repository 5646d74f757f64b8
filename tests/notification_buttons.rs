//! Buttons on notifications (issue 16 point 7): subscription posts carry **Assign to me**,
//! **Comment** and **Transition**; any member may click, and Jira sees the clicker's own
//! connection. Legacy webhook posts never carry them, nor do posts while the setting is off.

use jirabridge::config::{Secret, UserAuthMethod};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app_with, TestApp, SECRET};
use crate::support::fake_jira::FakeJira;

const ADA_PAT: &str = "ada-button-token";

async fn app_with_subscription(jira: &FakeJira, buttons: bool) -> TestApp {
    let port = crate::support::commands::free_port();
    let app = spawn_app_with(|c| {
        c.server.listen = format!("127.0.0.1:{port}");
        c.server.public_url = format!("http://127.0.0.1:{port}");
        c.mattermost.command_tokens = vec![Secret::new("cmdtoken0000000000000000bb".into())];
        c.jira.user_auth_methods = vec![UserAuthMethod::Pat];
        c.mattermost.notification_buttons = buttons;
    })
    .await;
    let added = app.api(Method::POST, "/instances?skip_check=true").json(&json!({"url": jira.url, "type": "server"}));
    assert_eq!(added.send().await.unwrap().status(), StatusCode::CREATED);
    let rule = json!({"channel_id": app.channel_id, "name": "all", "instance_id": jira.url,
        "filters": {"events": ["event_created"], "projects": ["DEMO"], "issue_types": ["1"], "fields": []}});
    let created = app.api(Method::POST, "/subscriptions").json(&rule).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());
    app
}

fn created(jira: &FakeJira) -> String {
    json!({"timestamp": 1_700_000_000_000u64, "webhookEvent": "jira:issue_created", "issue_event_type_name": "issue_created",
        "user": {"name": "carol", "displayName": "Carol"},
        "issue": {"id": "10", "key": "DEMO-1", "self": format!("{}/rest/api/2/issue/10", jira.url),
            "fields": {"summary": "Crash on start", "issuetype": {"id": "1", "name": "Bug"}, "project": {"key": "DEMO"}}}})
    .to_string()
}

/// Connects `name` with a token, as the store would after `/jira connect`.
async fn connect(app: &TestApp, jira: &FakeJira, name: &str, token: &str) -> String {
    jira.add_pat_user(token, name, &format!("{name} Person"));
    let user = app.mm.add_user(name, "system_user");
    app.mm.add_member(&app.channel_id, &user);
    let reply = app.slash(&user, "cmdtoken0000000000000000bb", "/jira connect").await;
    let action = &reply.body["attachments"][0]["actions"][0];
    let url = action["integration"]["url"].as_str().unwrap().to_string();
    app.mm.click(&url, &user, &app.channel_id, action["integration"]["context"].clone()).await;
    let form = app.mm.opened_dialogs().pop().unwrap();
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    let (_, answer) = app.mm.submit_dialog(url, &user, &app.channel_id, state, json!({"token": token}), false).await;
    assert_eq!(answer, json!({}));
    user
}

/// Clicks the button named `name` of `post` as `user`; answers the reply.
async fn click(app: &TestApp, post: &Value, name: &str, user: &str) -> Value {
    let actions = post["attachments"].as_array().unwrap().last().unwrap()["actions"].as_array().unwrap().clone();
    let action = actions.iter().find(|a| a["name"] == name).unwrap_or_else(|| panic!("no {name} in {actions:?}"));
    let url = action["integration"]["url"].as_str().unwrap().to_string();
    let (status, reply) = app.mm.click(&url, user, &app.channel_id, action["integration"]["context"].clone()).await;
    assert_eq!(status, 200);
    reply
}

async fn submit_last_form(app: &TestApp, user: &str, values: Value) -> Value {
    let form = app.mm.opened_dialogs().pop().expect("a form was opened");
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    app.mm.submit_dialog(url, user, &app.channel_id, state, values, false).await.1
}

#[tokio::test]
async fn members_act_on_a_notification_with_their_own_connection() {
    let jira = FakeJira::start().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    jira.set_transitions("DEMO-1", &[("11", "Start", "In Progress"), ("21", "Finish", "Done")]);
    let app = app_with_subscription(&jira, true).await;
    let ada = connect(&app, &jira, "ada", ADA_PAT).await;
    let bob = app.mm.add_user("bob", "system_user");
    app.mm.add_member(&app.channel_id, &bob);

    let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    assert_eq!(app.post(&url, created(&jira)).await.status(), StatusCode::OK);
    app.deliver().await;
    let posted = app.channel_posts().pop().expect("the subscription posted");
    let names: Vec<&str> = posted.props["attachments"].as_array().unwrap().last().unwrap()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Assign to me", "Comment", "Transition"]);

    let not_connected = click(&app, &posted.props, "Assign to me", &bob).await;
    assert_eq!(not_connected["ephemeral_text"], jirabridge::commands::run::NOT_CONNECTED);
    let assigned = click(&app, &posted.props, "Assign to me", &ada).await;
    let link = format!("[DEMO-1]({}/browse/DEMO-1)", jira.url);
    assert_eq!(assigned["ephemeral_text"], format!("`ada Person` assigned to Jira issue {link}"));
    assert_eq!(jira.issue_fields("DEMO-1")["assignee"]["name"], "ada");

    click(&app, &posted.props, "Comment", &ada).await;
    assert_eq!(submit_last_form(&app, &ada, json!({"comment": "On it."})).await, json!({}));
    assert_eq!(jira.comments("DEMO-1"), ["On it."]);
    assert!(app.mm.ephemerals(&ada).is_empty(), "the bot may not post ephemerals: the result is dropped");
    let said_in_channel = app.mm.posts(&app.channel_id).iter().filter(|p| p.message.contains("Comment added")).count();
    assert_eq!(said_in_channel, 0, "a private result is never posted in the channel");
    app.mm.make_bot_system_admin();

    click(&app, &posted.props, "Transition", &ada).await;
    let form = app.mm.opened_dialogs().last().cloned().unwrap();
    assert_eq!(app.mm.dialog_problems(), Vec::<String>::new(), "the Comment and Transition forms are valid");
    let offered: Vec<&str> = form["dialog"]["elements"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    assert_eq!(offered, ["In Progress", "Done"]);
    assert_eq!(submit_last_form(&app, &ada, json!({"transition": "21"})).await, json!({}));
    assert_eq!(jira.issue_fields("DEMO-1")["status"]["name"], "Done");
    assert_eq!(app.mm.ephemerals(&ada), [format!("{link} transitioned to `Done`")], "told privately");

    // `mattermost.ephemeral_via_api = never`: even an admin bot keeps results to itself.
    let never = json!({"mattermost.ephemeral_via_api": "never"});
    assert_eq!(app.api(reqwest::Method::PATCH, "/settings").json(&never).send().await.unwrap().status(), 200);
    click(&app, &posted.props, "Comment", &ada).await;
    assert_eq!(submit_last_form(&app, &ada, json!({"comment": "Done now."})).await, json!({}));
    assert_eq!(jira.comments("DEMO-1").last().map(String::as_str), Some("Done now."));
    assert_eq!(app.mm.ephemerals(&ada).len(), 1, "nothing more was shown");

    // The instance is removed while the form is open: the form says so and stays open.
    click(&app, &posted.props, "Comment", &ada).await;
    let encoded = jirabridge::jira::instance::encode_id(&jira.url);
    let removed = app.api(reqwest::Method::DELETE, &format!("/instances/{encoded}")).send().await.unwrap();
    assert_eq!(removed.status(), 204);
    let gone = submit_last_form(&app, &ada, json!({"comment": "Lost?"})).await;
    assert_eq!(gone["error"], "This Jira instance is no longer installed.", "{gone}");
    app.shutdown().await;
}

/// Posts jirabridge delivered (not its own announcements), and how many actions each has.
fn delivered_actions(app: &TestApp) -> Vec<(String, usize)> {
    app.channel_posts()
        .into_iter()
        .filter(|p| p.props["jirabridge_delivery_id"].is_string())
        .map(|p| {
            let attachments = p.props["attachments"].as_array().cloned().unwrap_or_default();
            let actions = attachments.iter().map(|a| a["actions"].as_array().map_or(0, Vec::len)).sum();
            (p.message, actions)
        })
        .collect()
}

#[tokio::test]
async fn legacy_posts_and_a_switched_off_setting_carry_no_buttons() {
    for buttons in [true, false] {
        let jira = FakeJira::start().await;
        let app = app_with_subscription(&jira, buttons).await;
        let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
        assert_eq!(app.post(&url, created(&jira)).await.status(), StatusCode::OK);
        app.deliver().await;
        let legacy = created(&jira).replace("1700000000000", "1700000000001");
        assert_eq!(app.post_legacy(legacy).await.status(), StatusCode::OK);
        app.deliver().await;
        let actions: Vec<usize> = delivered_actions(&app).into_iter().map(|(_, n)| n).collect();
        let subscription_post = if buttons { 3 } else { 0 };
        assert_eq!(actions, [subscription_post, 0], "the subscription's post, then the legacy one");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn buttons_act_on_the_routed_instance_when_jira_names_another_base_url() {
    // Jira behind a proxy: its own base URL (in the payload's links) is not the address
    // the instance was installed under.
    let jira = FakeJira::start().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    let app = app_with_subscription(&jira, true).await;
    let ada = connect(&app, &jira, "ada", ADA_PAT).await;
    let behind_proxy = created(&jira).replace(&jira.url, "http://jira-internal.example:8080");
    let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    assert_eq!(app.post(&url, behind_proxy).await.status(), StatusCode::OK);
    app.deliver().await;
    let posted = app.channel_posts().pop().expect("the subscription posted");
    let assigned = click(&app, &posted.props, "Assign to me", &ada).await;
    let said = assigned["ephemeral_text"].as_str().unwrap_or_default();
    assert!(said.contains("assigned to Jira issue"), "{assigned}");
    assert_eq!(jira.issue_fields("DEMO-1")["assignee"]["name"], "ada");
    app.shutdown().await;
}
