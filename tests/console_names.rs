//! Names in the console's rule editor (SPEC §6.9): channels picked from the bot's channels,
//! pasted as a link or a message's permalink, shown as `team/channel` once saved; issue
//! types and filter values typed as the names Jira's webhooks taught, stored as ids.

use crate::support::app::{spawn_app, TestApp, CHANNEL, TEAM};
use crate::support::console::{signed_in, Visitor};

/// A signed-in visitor of `app`, with the Cloud instance acme.atlassian.net added and our
/// fixture's webhook received from it: project OPS, issue type 10004 "Bug", priority 2
/// "High", reporter Grace Hopper, assignee Alan Turing.
async fn after_a_cloud_webhook(app: &TestApp) -> Visitor {
    let mut visitor = signed_in(app).await;
    let page = visitor.get("/admin/instances").await;
    let instance = [("url", "https://acme.atlassian.net"), ("type", "cloud"), ("skip_check", "on")];
    visitor.submit(&page, "/admin/instances", &instance).await;
    let url = format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET);
    assert_eq!(app.post(&url, crate::support::fixtures::own("cloud-issue-created.json")).await.status(), 200);
    visitor
}

/// SPEC §6.9: a channel is picked from the bot's channels, or pasted as the channel's link
/// or a message's permalink; a saved rule shows it as `team/channel`.
#[tokio::test]
async fn a_channel_is_picked_or_pasted_as_a_link() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/instances").await;
    let instance = [("url", "https://jira.example.com"), ("type", "server"), ("skip_check", "on")];
    visitor.submit(&page, "/admin/instances", &instance).await;
    let hidden = app.mm.add_channel(&app.team_id, "not-for-the-bot");
    app.mm.set_bot_member(&hidden, false);
    let editor = visitor.get("/admin/subscriptions/new").await;
    assert!(editor.has(&format!("<option value=\"{TEAM}/{CHANNEL}\">")), "{}", editor.body);
    assert!(!editor.has("not-for-the-bot"), "only the bot's channels are offered");

    let ada = app.mm.add_user("ada", "system_user");
    let message = app.mm.add_user_post(&app.channel_id, &ada, "see this");
    let rule = |name: &'static str, channel: String| {
        vec![
            ("name", name.to_string()),
            ("channel", channel),
            ("instance_id", "https://jira.example.com".into()),
            ("events", "event_created".into()),
            ("projects", "KT".into()),
            ("issue_types", "10001".into()),
        ]
    };
    let as_pairs = |fields: &[(&'static str, String)]| fields.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    for (name, channel) in [
        ("By link", format!("https://chat.example.com/{TEAM}/channels/{CHANNEL}")),
        ("By permalink", format!("https://chat.example.com/{TEAM}/pl/{message}")),
    ] {
        let fields = as_pairs(&rule(name, channel));
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let saved = visitor.submit(&editor, "/admin/subscriptions/new", &borrowed).await;
        assert_eq!(saved.status, 303, "{name}: {}", saved.body);
        let shown = visitor.get(saved.location.as_deref().unwrap()).await;
        assert!(shown.has(&format!("value=\"{TEAM}/{CHANNEL}\"")), "{name}: the id shown as names");
    }
    let stored = app.state.store.subscriptions().unwrap();
    assert!(stored.iter().all(|s| s.channel_id.as_str() == app.channel_id), "{stored:?}");

    let fields = as_pairs(&rule("Nowhere", "Jira Feed".into()));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = visitor.submit(&editor, "/admin/subscriptions/new", &borrowed).await;
    assert_eq!(refused.status, 400);
    assert!(refused.has("Name the channel as team/channel, its link"), "{}", refused.body);
    app.shutdown().await;
}

/// SPEC §6.9: names the instance's webhooks taught are accepted where ids go, and stored
/// as the ids (the project's key, issue types, and priority values here).
#[tokio::test]
async fn names_typed_in_the_editor_are_stored_as_ids() {
    let app = spawn_app().await;
    let mut visitor = after_a_cloud_webhook(&app).await;
    let editor = visitor.get("/admin/subscriptions/new").await;
    assert!(editor.has("<option value=\"10004\">Bug</option>"), "{}", editor.body);
    let channel = format!("{TEAM}/{CHANNEL}");
    let fields = [
        ("name", "Ops bugs"),
        ("channel", channel.as_str()),
        ("instance_id", "https://acme.atlassian.net"),
        ("events", "event_created"),
        ("projects", "operations"),
        ("issue_types", "bug, 10005"),
        ("field_key", "priority"),
        ("field_inclusion", "include_any"),
        ("field_values", "high, 1"),
    ];
    let saved = visitor.submit(&editor, "/admin/subscriptions/new", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = &app.state.store.subscriptions().unwrap()[0];
    assert_eq!(stored.issue_types, ["10004", "10005"], "a name became its id; an id stayed");
    assert_eq!(stored.projects, ["OPS"], "a project's name became its key");
    assert_eq!(stored.fields[0].values, ["1", "2"]);
    // The rule's page shows the ids it can name as names, and saving it keeps the ids.
    let shown = visitor.get(saved.location.as_deref().unwrap()).await;
    assert!(shown.has("value=\"Bug, 10005\""), "{}", shown.body);
    assert!(shown.has("value=\"1, High\""), "{}", shown.body);
    app.shutdown().await;
}

/// SPEC §6.9 on Cloud: a reporter or assignee is typed as the display name the webhooks
/// showed and stored as the account id (rules compare account ids); a name nobody has seen
/// is refused, an account id is kept.
#[tokio::test]
async fn people_are_typed_by_name_and_stored_as_account_ids_on_cloud() {
    let app = spawn_app().await;
    let mut visitor = after_a_cloud_webhook(&app).await;
    let editor = visitor.get("/admin/subscriptions/new").await;
    let channel = format!("{TEAM}/{CHANNEL}");
    let rule = |people: &'static str| {
        vec![
            ("name", "Alan's"),
            ("channel", channel.as_str()),
            ("instance_id", "https://acme.atlassian.net"),
            ("events", "event_created"),
            ("projects", "OPS"),
            ("issue_types", "10004"),
            ("field_key", "assignee"),
            ("field_inclusion", "include_any"),
            ("field_values", people),
        ]
    };
    let refused = visitor.submit(&editor, "/admin/subscriptions/new", &rule("John")).await;
    assert_eq!(refused.status, 400);
    assert!(refused.has("No Jira user named &#34;John&#34; has been seen"), "{}", refused.body);
    let saved = visitor.submit(&editor, "/admin/subscriptions/new", &rule("alan turing, 557058:f58131cb")).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = &app.state.store.subscriptions().unwrap()[0];
    assert_eq!(stored.fields[0].values, ["557058:f58131cb", "6a1b2c3d4e5f6a7b8c9d0e1f"]);
    let shown = visitor.get(saved.location.as_deref().unwrap()).await;
    assert!(shown.has("value=\"557058:f58131cb, Alan Turing\""), "{}", shown.body);
    app.shutdown().await;
}
