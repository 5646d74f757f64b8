//! Editing a channel's subscriptions from chat (SPEC §6.2, §6.3, §6.7), end to end through
//! both fakes: who may (role, connection, Jira groups), `/jira subscribe` with its Edit,
//! Delete and Add buttons, the form with its filter lines and per-field errors, the rule
//! routing events at once, the channel told of each change, and no click acting twice.
//!
//! size: one admin's whole story, read top to bottom.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::connected::{app_for, app_with_server, connect, jira_command, submit_last_form, ADA_PAT, COMMAND_TOKEN};
use crate::support::app::{TestApp, SECRET};
use crate::support::fake_jira::FakeJira;
use crate::support::fixtures::own;

/// A Data Center with the project of our issue-created fixture (OPS, Bug 10004), its
/// priorities and one security level on the create screen.
async fn jira_with_ops() -> FakeJira {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_project("OPS", "Operations", &[("10004", "Bug"), ("10005", "Task")], &[]);
    jira.add_project("DEMO", "Demo", &[("1", "Story")], &[]);
    jira.add_create_field(
        "OPS",
        json!({"fieldId": "priority", "name": "Priority", "required": false,
               "allowedValues": [{"id": "1", "name": "Highest"}, {"id": "2", "name": "High"}]}),
    );
    jira.add_create_field(
        "OPS",
        json!({"fieldId": "security", "name": "Security Level", "required": false,
               "allowedValues": [{"id": "10000", "name": "Internal"}]}),
    );
    jira
}

async fn set(app: &TestApp, settings: Value) {
    let response = app.api(Method::PATCH, "/settings").json(&settings).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap());
}

/// Clicks the button named `name` in a reply's attachments, as `user`.
async fn click(app: &TestApp, reply: &Value, name: &str, user: &str) -> Value {
    let attachments = reply["attachments"].as_array().expect("attachments");
    let action = attachments
        .iter()
        .flat_map(|a| a["actions"].as_array().into_iter().flatten())
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("a {name} button in {reply}"));
    let url = action["integration"]["url"].as_str().unwrap();
    let (status, answer) = app.mm.click(url, user, &app.channel_id, action["integration"]["context"].clone()).await;
    assert_eq!(status, 200);
    answer
}

fn bot_says(app: &TestApp) -> Vec<String> {
    app.channel_posts().into_iter().filter(|p| p.user_id == app.mm.bot_user_id()).map(|p| p.message).collect()
}

#[tokio::test]
async fn a_channel_admin_adds_edits_and_removes_a_subscription_from_chat() {
    let jira = jira_with_ops().await;
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user");

    // §6.3 in order: membership, the role, then a connection.
    let refused = |reason: &str| format!("you don't have permission to manage subscriptions: {reason}");
    assert_eq!(jira_command(&app, &ada, "/jira subscribe").await.text(), "not a member of the channel specified");
    app.mm.add_member(&app.channel_id, &ada);
    assert_eq!(jira_command(&app, &ada, "/jira subscribe").await.text(), refused("is not system admin"));
    set(&app, json!({"security.subscription_editors": "channel_admin"})).await;
    assert_eq!(jira_command(&app, &ada, "/jira subscribe edit").await.text(), refused("is not channel admin"));
    app.mm.set_member_roles(&app.channel_id, &ada, "channel_user channel_admin");
    assert_eq!(jira_command(&app, &ada, "/jira subscribe").await.text(), refused("could not load jira user"));
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));

    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    assert_eq!(listing.text(), "This channel has no Jira subscriptions yet.");
    assert_eq!(click(&app, &listing.body, "Add subscription", &ada).await["ephemeral_text"], "");
    let form = app.mm.opened_dialogs().pop().expect("the Add form opened");
    assert_eq!(form["dialog"]["title"], "Add Jira subscription");
    let elements = form["dialog"]["elements"].as_array().unwrap();
    let names: Vec<&str> = elements.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names[..3], ["name", "project", "issue_types"]);
    assert_eq!(names.last(), Some(&"filters"));
    let types: Vec<&str> =
        elements[2]["options"].as_array().unwrap().iter().map(|o| o["text"].as_str().unwrap()).collect();
    assert_eq!(types, ["All issue types", "Bug", "Task", "Story"]);

    // Each problem on its field; filter problems name their line; the form stays usable.
    let missing = submit_last_form(&app, &ada, json!({"name": "", "project": "OPS", "issue_types": "all"})).await;
    assert_eq!(missing["errors"]["name"], "please provide a name for the subscription", "{missing}");
    assert_eq!(missing["errors"]["event_created"], "please provide at least one event type");
    let base = json!({"name": "Ops bugs", "project": "OPS", "issue_types": "10004", "event_created": true,
                      "event_updated_status": "true", "event_deleted": false, "event_updated_rank": null});
    let with = |filters: &str| {
        let mut values = base.clone();
        values["filters"] = json!(filters);
        values
    };
    let bad_line = submit_last_form(&app, &ada, with("priority include_any High\nsprint include_any 5")).await;
    assert_eq!(bad_line["errors"]["filters"], "line 2: unknown field \"sprint\"");
    let bad_value = submit_last_form(&app, &ada, with("Priority include_any Low")).await;
    assert_eq!(bad_value["errors"]["filters"], "line 1: \"Low\" is not a value of Priority");
    let secret = submit_last_form(&app, &ada, with("Security Level include_any 10001")).await;
    assert_eq!(secret["errors"]["filters"], "line 1: invalid access to security level");
    let hidden = submit_last_form(&app, &ada, json!({"name": "x", "project": "NOPE", "event_created": true})).await;
    assert!(hidden["errors"]["project"].as_str().unwrap().starts_with("failed to get project \"NOPE\""), "{hidden}");
    let wrong_type =
        submit_last_form(&app, &ada, json!({"name": "x", "project": "OPS", "issue_types": "1", "event_created": true}))
            .await;
    assert_eq!(wrong_type["errors"]["issue_types"], "1 is not an issue type of project OPS");

    let saved =
        submit_last_form(&app, &ada, with("priority include_any High, highest\nlabels include_any backup")).await;
    assert_eq!(saved, json!({}));
    assert_eq!(submit_last_form(&app, &ada, with("")).await, json!({"error": "This action was already done."}));
    let rules: Value = app.api(Method::GET, "/subscriptions").send().await.unwrap().json().await.unwrap();
    let rule = &rules.as_array().unwrap()[0];
    assert_eq!(rule["name"], "Ops bugs");
    assert_eq!(rule["channel_id"], app.channel_id.as_str());
    assert_eq!(rule["filters"]["projects"], json!(["OPS"]));
    assert_eq!(rule["filters"]["issue_types"], json!(["10004"]));
    assert_eq!(rule["filters"]["events"], json!(["event_created", "event_updated_status"]));
    assert_eq!(
        rule["filters"]["fields"][0],
        json!({"key": "priority", "inclusion": "include_any", "values": ["1", "2"]})
    );
    let told = "Jira subscription, \"Ops bugs\", was added to this channel by Ada Lovelace";
    wait_for_bot_post(&app, told).await;

    // The rule routes at once: the fixture (OPS, Bug, priority High, labels backup) posts.
    let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    assert_eq!(app.post(&url, own("cloud-issue-created.json")).await.status(), StatusCode::OK);
    app.deliver().await;
    let delivered = app.channel_posts().into_iter().filter(|p| p.props.get("jirabridge_delivery_id").is_some()).count();
    assert_eq!(delivered, 1);

    // The listing shows it in words; Edit opens the form as it was saved.
    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    let shown = &listing.body["attachments"][0];
    assert_eq!(shown["title"], "Ops bugs");
    let text = shown["text"].as_str().unwrap();
    assert!(
        text.contains(
            "Project: OPS\nEvents: Issue created, Status changed\nJQL: `Project = OPS AND IssueType IN (10004)"
        ),
        "{text}"
    );
    click(&app, &listing.body, "Edit", &ada).await;
    let form = app.mm.opened_dialogs().pop().unwrap();
    assert_eq!(form["dialog"]["title"], "Edit Jira subscription");
    let defaults: Vec<(&str, &str)> = form["dialog"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["default"].as_str().unwrap_or("")))
        .collect();
    assert!(defaults.contains(&("name", "Ops bugs")) && defaults.contains(&("issue_types", "10004")), "{defaults:?}");
    assert!(
        defaults.contains(&("filters", "Priority include_any Highest, High\nLabels include_any backup")),
        "{defaults:?}"
    );
    assert!(defaults.contains(&("event_updated_status", "true")) && defaults.contains(&("event_deleted", "false")));
    let edited = json!({"name": "Ops issues", "project": "OPS", "issue_types": "all", "event_created": true});
    assert_eq!(submit_last_form(&app, &ada, edited).await, json!({}));
    wait_for_bot_post(&app, "Jira subscription, \"Ops issues\", was updated by Ada Lovelace").await;
    let rule: Value = app
        .api(Method::GET, &format!("/subscriptions/{}", rule["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rule["filters"]["issue_types"], json!(["10004", "10005"]), "all of the project's types");
    assert_eq!(rule["filters"]["fields"], json!([]));

    // Another member cannot use Ada's buttons; Delete acts once.
    let bob = app.mm.add_user("bob", "system_user");
    app.mm.add_member(&app.channel_id, &bob);
    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    let stolen = click(&app, &listing.body, "Delete", &bob).await;
    assert_eq!(stolen["ephemeral_text"], jirabridge::commands::interact::BUTTON_EXPIRED);
    assert_eq!(
        click(&app, &listing.body, "Delete", &ada).await["ephemeral_text"],
        "Removed the subscription \"Ops issues\"."
    );
    assert_eq!(click(&app, &listing.body, "Delete", &ada).await["ephemeral_text"], "This action was already done.");
    wait_for_bot_post(&app, "Jira subscription, \"Ops issues\", was removed from this channel by Ada Lovelace").await;
    let rules: Value = app.api(Method::GET, "/subscriptions").send().await.unwrap().json().await.unwrap();
    assert_eq!(rules, json!([]));
    app.shutdown().await;
}

/// With `security.subscription_editor_jira_groups` set, the caller's Jira groups decide,
/// on every instance (names compared trimmed).
#[tokio::test]
async fn jira_groups_limit_who_edits_subscriptions() {
    let jira = jira_with_ops().await;
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user");
    app.mm.add_member(&app.channel_id, &ada);
    set(&app, json!({"security.subscription_editors": "users", "security.subscription_editor_jira_groups": [" jira-admins "]})).await;
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let refused = jira_command(&app, &ada, "/jira subscribe").await.text();
    assert_eq!(refused, "you don't have permission to manage subscriptions: not in allowed jira user groups");
    jira.set_groups(ADA_PAT, &["jira-users", "jira-admins"]);
    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    assert_eq!(listing.text(), "This channel has no Jira subscriptions yet.", "{}", listing.body);
    app.shutdown().await;
}

/// The bot's notes are posted in the background.
async fn wait_for_bot_post(app: &TestApp, message: &str) {
    for _ in 0..100 {
        if bot_says(app).iter().any(|m| m == message) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the bot did not say {message:?}: {:?}", bot_says(app));
}

/// With the admin credentials Jira lists its statuses (SPEC §6.9), so a status the chat
/// editor is given by a name Jira does not know is refused, not kept as text that would
/// never match; a known name is stored as its id.
#[tokio::test]
async fn a_status_name_jira_does_not_list_is_refused_in_chat() {
    let jira = jira_with_ops().await;
    let app = crate::connected::app_for((&jira.url, "server"), |c| {
        c.jira.admin_api_token = jirabridge::config::Secret::new(crate::support::fake_jira::API_TOKEN.into());
        c.jira.admin_email = crate::support::fake_jira::EMAIL.into();
        c.jira.user_auth_methods = vec![jirabridge::config::UserAuthMethod::Pat];
    })
    .await;
    let ada = app.mm.add_user("ada", "system_user system_admin");
    app.mm.add_member(&app.channel_id, &ada);
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    assert_eq!(click(&app, &listing.body, "Add subscription", &ada).await["ephemeral_text"], "");
    let rule = |filters: &str| {
        json!({"name": "Ops done", "project": "OPS", "issue_types": "10004", "event_updated_status": true,
               "filters": filters})
    };
    let typo = submit_last_form(&app, &ada, rule("status include_any Dnoe")).await;
    assert_eq!(typo["errors"]["filters"], "line 1: \"Dnoe\" is not a value of Status", "{typo}");
    assert_eq!(submit_last_form(&app, &ada, rule("status include_any done")).await, json!({}));
    let rules: Value = app.api(Method::GET, "/subscriptions").send().await.unwrap().json().await.unwrap();
    let filter = &rules[0]["filters"]["fields"][0];
    assert_eq!((&filter["key"], &filter["values"]), (&json!("status"), &json!(["10001"])), "{rules}");
    app.shutdown().await;
}

/// A Cloud instance at a test host with Ada, a system admin, connected by API token; the
/// instance's webhook of our fixture `name` was received. Answers Jira (kept alive), the
/// app, Ada's id and the instance URL.
async fn cloud_admin_after(fixture: &str) -> (FakeJira, TestApp, String, String) {
    let jira = FakeJira::start_cloud().await;
    jira.add_api_token_user("ada@example.com", "cloud-token", "557058:ada", "Ada Lovelace");
    jira.add_project("OPS", "Operations", &[("10004", "Bug"), ("10005", "Story")], &[]);
    let host = "chat-names.atlassian.net";
    jirabridge::jira::client::test_hosts::resolve(host, "127.0.0.1:0".parse().unwrap());
    let base = format!("http://{host}:{}", jira.url.rsplit(':').next().unwrap());
    let methods = vec![jirabridge::config::UserAuthMethod::ApiToken];
    let app = app_for((&base, "cloud"), |c| c.jira.user_auth_methods = methods).await;
    let ada = app.mm.add_user("ada", "system_user system_admin");
    app.mm.add_member(&app.channel_id, &ada);
    let reply = jira_command(&app, &ada, "/jira connect").await;
    let action = &reply.body["attachments"][0]["actions"][0];
    let url = action["integration"]["url"].as_str().unwrap().to_string();
    app.mm.click(&url, &ada, &app.channel_id, action["integration"]["context"].clone()).await;
    let token = json!({"email": "ada@example.com", "token": "cloud-token"});
    assert_eq!(submit_last_form(&app, &ada, token).await, json!({}));
    let payload = String::from_utf8(own(fixture)).unwrap().replace("https://acme.atlassian.net", &base);
    let webhook = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    assert_eq!(app.post(&webhook, payload).await.status(), 200);
    (jira, app, ada, base)
}

/// SPEC §6.9 on Cloud: reporter and assignee rules compare account ids, so the chat editor
/// takes a person by the display name the instance's webhooks showed (or an account id); a
/// name nobody has seen is refused, not stored as text that would never match.
#[tokio::test]
async fn people_on_cloud_are_named_as_jira_shows_them() {
    // The webhook shows Grace Hopper (reporter) and Alan Turing (assignee).
    let (_jira, app, ada, _) = cloud_admin_after("cloud-issue-created.json").await;
    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    assert_eq!(click(&app, &listing.body, "Add subscription", &ada).await["ephemeral_text"], "");
    let rule = |filters: &str| json!({"name": "Alan's", "project": "OPS", "issue_types": "10004", "event_created": true, "filters": filters});
    let unknown = submit_last_form(&app, &ada, rule("assignee include_any John")).await;
    let expected = format!("line 1: {}", jirabridge::subscriptions::people::unknown_person("John"));
    assert_eq!(unknown["errors"]["filters"], expected, "{unknown}");
    assert_eq!(submit_last_form(&app, &ada, rule("assignee include_any alan turing")).await, json!({}));
    let rules: Value = app.api(Method::GET, "/subscriptions").send().await.unwrap().json().await.unwrap();
    let filter = &rules[0]["filters"]["fields"][0];
    assert_eq!(
        (&filter["key"], &filter["values"]),
        (&json!("assignee"), &json!(["6a1b2c3d4e5f6a7b8c9d0e1f"])),
        "{rules}"
    );
    app.shutdown().await;
}

/// SPEC §5, §6.7: a rule made in chat can post when a custom field changes, the field named
/// as Jira's webhooks named it (Story Points, customfield_10016), and the form shows it by
/// that name when the rule is edited.
#[tokio::test]
async fn custom_field_updates_are_chosen_by_name_in_chat() {
    let (_jira, app, ada, _) = cloud_admin_after("cloud-issue-custom-field.json").await;
    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    assert_eq!(click(&app, &listing.body, "Add subscription", &ada).await["ephemeral_text"], "");
    let rule =
        |custom: &str| json!({"name": "Estimates", "project": "OPS", "issue_types": "10005", "custom_events": custom});
    let unknown = submit_last_form(&app, &ada, rule("Story Pints")).await;
    assert!(
        unknown["errors"]["custom_events"].as_str().unwrap().starts_with("\"Story Pints\" is not a custom field"),
        "{unknown}"
    );
    assert_eq!(submit_last_form(&app, &ada, rule("story points")).await, json!({}));
    let rules: Value = app.api(Method::GET, "/subscriptions").send().await.unwrap().json().await.unwrap();
    assert_eq!(rules[0]["filters"]["events"], json!(["event_updated_customfield_10016"]), "{rules}");

    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    assert_eq!(click(&app, &listing.body, "Edit", &ada).await["ephemeral_text"], "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    let elements = form["dialog"]["elements"].as_array().unwrap();
    let custom = elements.iter().find(|e| e["name"] == "custom_events").unwrap();
    assert_eq!(custom["default"], "Story Points", "{custom}");
    app.shutdown().await;
}

/// SPEC §11 (Bot): the bot posts only where it is a member. A rule saved in a channel the bot
/// is not in would turn broken at its first post, and the form's confirmation could not be
/// shown there either: the form says so and keeps its values until the bot is invited.
#[tokio::test]
async fn a_rule_is_not_saved_where_the_bot_cannot_post() {
    let jira = jira_with_ops().await;
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user system_admin");
    app.mm.add_member(&app.channel_id, &ada);
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let listing = jira_command(&app, &ada, "/jira subscribe").await;
    assert_eq!(click(&app, &listing.body, "Add subscription", &ada).await["ephemeral_text"], "");
    app.mm.set_bot_member(&app.channel_id, false);
    let rule = json!({"name": "Ops bugs", "project": "OPS", "issue_types": "10004", "event_created": true});
    let refused = submit_last_form(&app, &ada, rule.clone()).await;
    let bot = app.mm.bot_username();
    let expected = format!(
        "@{bot} is not a member of this channel, so it cannot post the subscription's notifications here. Add it with `/invite @{bot}`, then save again."
    );
    assert_eq!(refused, json!({"error": expected}));
    let rules: Value = app.api(Method::GET, "/subscriptions").send().await.unwrap().json().await.unwrap();
    assert_eq!(rules, json!([]), "nothing saved");
    app.mm.set_bot_member(&app.channel_id, true);
    assert_eq!(submit_last_form(&app, &ada, rule).await, json!({}));
    wait_for_bot_post(&app, "Jira subscription, \"Ops bugs\", was added to this channel by Ada Lovelace").await;
    app.shutdown().await;
}

/// SPEC §6.2 point 2 where the bot cannot read the channel: a direct message between people
/// gets the plugin's sentence, and a private channel the bot is not in says to invite it
/// (not "unknown channel").
#[tokio::test]
async fn subscribe_where_the_bot_cannot_read_the_channel_says_why() {
    let jira = jira_with_ops().await;
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user system_admin");
    let bob = app.mm.add_user("bob", "system_user");
    let direct = app.mm.add_direct_between(&ada, &bob);
    let private = app.mm.add_private_channel(&app.team_id, "night-ops", false);
    app.mm.add_member(&private, &ada);
    let subscribe_in = |channel_id: String| {
        let (app, ada) = (&app, ada.clone());
        async move { app.slash_in(&channel_id, "", (&ada, COMMAND_TOKEN, "/jira subscribe")).await.text() }
    };
    assert_eq!(subscribe_in(direct).await, "subscriptions are not allowed in direct message or group message channels");
    let bot = app.mm.bot_username();
    assert_eq!(
        subscribe_in(private.clone()).await,
        format!(
            "@{bot} is not a member of this channel, so it cannot post the subscription's notifications here. Add it with `/invite @{bot}` and try again."
        )
    );
    app.mm.set_bot_member(&private, true);
    let listing = subscribe_in(private).await;
    assert!(!listing.contains("not a member"), "the bot is in now: {listing}");
    app.shutdown().await;
}
