//! The admin console's pages doing what the admin API does: instances, subscriptions, the
//! legacy URL builder, the Mattermost test, the event log, replay and retry.

use crate::support::app::{spawn_app, spawn_app_with, CHANNEL, SECRET, TEAM};
use crate::support::console::{signed_in, ADMIN};

#[tokio::test]
async fn instances_are_added_from_the_console_and_audited_with_the_admin_name() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/instances").await;
    let bad = visitor
        .submit(&page, "/admin/instances", &[("url", "not a url at all"), ("type", "server"), ("skip_check", "on")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.has("class=\"field-error\" id=\"url-error\""), "{}", bad.body);
    let added = visitor
        .submit(
            &page,
            "/admin/instances",
            &[("url", "https://jira.example.com/"), ("type", "server"), ("alias", "main"), ("skip_check", "on")],
        )
        .await;
    assert_eq!(added.status, 303);
    let list = visitor.get(added.location.as_deref().unwrap()).await;
    assert!(list.has("Jira instance added."));
    assert!(list.has("https://jira.example.com"));
    assert!(list.has("/api/v2/webhook?secret=<webhook secret>"), "webhook URL shown");
    let made_default = visitor
        .submit(&list, "/admin/instances/change", &[("instance", "https://jira.example.com"), ("op", "default")])
        .await;
    assert_eq!(made_default.status, 303);
    assert!(app.state.store.instance("https://jira.example.com").unwrap().unwrap().is_default);
    // A refused alias stays in its field as typed, with why.
    let spaced = [("instance", "https://jira.example.com"), ("op", "alias"), ("alias", "prod jira")];
    let refused = visitor.submit(&list, "/admin/instances/change", &spaced).await;
    assert_eq!(refused.status, 400);
    assert!(refused.has("name=\"alias\" value=\"prod jira\""), "{}", refused.body);
    let audit = visitor.get("/admin/audit").await;
    assert!(audit.has("instance.add") && audit.has("instance.update"));
    assert!(audit.has("<td>ops-admin</td>"));
    assert!(audit.has("\">just now</time>") && audit.has(" UTC\">"), "times in words, UTC on hover: {}", audit.body);
    app.shutdown().await;
}

/// What users need to connect: a Server instance shows its consumer key and the PEM public
/// key for the Application Link; a Cloud one takes its OAuth client, whose secret is never
/// shown and is kept when the field is left empty (SPEC §7.1).
#[tokio::test]
async fn instances_show_their_oauth_settings_and_take_a_cloud_client() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/instances").await;
    for (url, kind) in [("https://jira.example.com", "server"), ("https://acme.atlassian.net", "cloud")] {
        let added =
            visitor.submit(&page, "/admin/instances", &[("url", url), ("type", kind), ("skip_check", "on")]).await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
    let list = visitor.get("/admin/instances").await;
    assert!(list.has("value=\"jirabridge_http_127_0_0_1_"), "consumer key shown");
    assert!(list.has("-----BEGIN PUBLIC KEY-----"), "public key shown");
    assert!(list.has("No secret yet: users cannot connect until one is set."));
    let fields = [
        ("instance", "https://acme.atlassian.net"),
        ("op", "oauth2_client"),
        ("client_id", "cid-1"),
        ("client_secret", "very-secret-value"),
    ];
    assert_eq!(visitor.submit(&list, "/admin/instances/change", &fields).await.status, 303);
    let kept = [
        ("instance", "https://acme.atlassian.net"),
        ("op", "oauth2_client"),
        ("client_id", "cid-2"),
        ("client_secret", ""),
    ];
    let list = visitor.get("/admin/instances").await;
    assert_eq!(visitor.submit(&list, "/admin/instances/change", &kept).await.status, 303);
    let list = visitor.get("/admin/instances").await;
    assert!(list.has("value=\"cid-2\"") && list.has("A secret is stored; leave this empty to keep it."));
    assert!(!list.has("very-secret-value"), "the secret is never shown");
    let on_server =
        [("instance", "https://jira.example.com"), ("op", "oauth2_client"), ("client_id", "x"), ("client_secret", "y")];
    assert_eq!(visitor.submit(&list, "/admin/instances/change", &on_server).await.status, 400);
    let shown: serde_json::Value = app
        .api(reqwest::Method::GET, "/instances/https%3A%2F%2Facme.atlassian.net")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (shown["oauth2_client_id"].as_str(), shown["oauth2_client_secret_set"].as_bool()),
        (Some("cid-2"), Some(true))
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_subscription_with_two_field_filters_is_saved_and_shows_its_jql() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/instances").await;
    visitor
        .submit(
            &page,
            "/admin/instances",
            &[("url", "https://jira.example.com"), ("type", "server"), ("skip_check", "on")],
        )
        .await;
    let editor = visitor.get("/admin/subscriptions/new").await;
    let channel = format!("{TEAM}/{CHANNEL}");
    let mut fields = vec![
        ("name", "Urgent bugs"),
        ("channel", channel.as_str()),
        ("instance_id", "https://jira.example.com"),
        ("events", "event_created"),
        ("events", "event_updated_status"),
        ("projects", "KT"),
        ("issue_types", "10001"),
        ("field_key", "priority"),
        ("field_inclusion", "include_any"),
        ("field_values", "1, 2"),
        ("field_key", "labels"),
        ("field_inclusion", "exclude_any"),
        ("field_values", "wontfix"),
        ("field_key", ""),
        ("field_inclusion", "include_any"),
        ("field_values", ""),
    ];
    let saved = visitor.submit(&editor, "/admin/subscriptions/new", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = app.state.store.subscriptions().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].channel_id.as_str(), app.channel_id, "team/channel resolved to the id");
    assert_eq!(stored[0].fields.len(), 2);
    let shown = visitor.get(saved.location.as_deref().unwrap()).await;
    assert!(shown.has("Subscription saved."));
    // SPEC §6.2's words, the console admin's name as who.
    let told = format!("Jira subscription, \"Urgent bugs\", was added to this channel by {ADMIN}");
    for _ in 0..100 {
        if app.channel_posts().iter().any(|p| p.message == told) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(app.channel_posts().iter().any(|p| p.message == told), "{:?}", app.channel_posts());
    assert!(shown.has("Approximate JQL"));
    assert!(
        shown.has("Project = KT AND IssueType IN (10001) AND priority IN (1, 2) AND labels NOT IN (wontfix)"),
        "{}",
        shown.body
    );

    // A second one with the same name in the channel: the message sits next to the name.
    fields[0] = ("name", "Urgent bugs");
    let again = visitor.submit(&editor, "/admin/subscriptions/new", &fields).await;
    assert_eq!(again.status, 400);
    assert!(again.has("id=\"name-error\""), "{}", again.body);
    assert!(again.has("already exists"));

    // The dry run tries the rule as the editor shows it, edits included, and saves nothing;
    // a rule not saved yet can be tried too.
    let rule_path = saved.location.as_deref().unwrap().split('?').next().unwrap().to_string();
    fields[0] = ("name", "Urgent bugs, edited");
    fields[5] = ("projects", "ZZ");
    let dry = visitor.submit(&shown, &format!("{rule_path}/dry-run"), &fields).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert!(dry.has("of the last 0 stored events would have been posted"));
    assert!(dry.has("Project = ZZ AND"), "the typed project is tried: {}", dry.body);
    assert!(dry.has("value=\"Urgent bugs, edited\""), "what was typed stays in the form");
    assert_eq!(app.state.store.subscriptions().unwrap()[0].name, "Urgent bugs", "nothing saved");
    let unsaved = visitor.submit(&editor, "/admin/subscriptions/new/dry-run", &fields).await;
    assert_eq!(unsaved.status, 200, "{}", unsaved.body);
    assert!(unsaved.has("of the last 0 stored events would have been posted"));
    assert_eq!(app.state.store.subscriptions().unwrap().len(), 1, "nothing saved");
    app.shutdown().await;
}

#[tokio::test]
async fn the_legacy_url_builder_puts_the_secret_and_flags_in_the_url() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get(&format!("/admin/webhook-urls?team={TEAM}&channel={CHANNEL}&updated_comments=on")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.has(&format!("/webhook?secret={SECRET}&team={TEAM}&channel={CHANNEL}&updated_comments=1")),
        "{}",
        page.body
    );
    assert!(page.has("Mattermost has the channel"));
    let missing = visitor.get(&format!("/admin/webhook-urls?team={TEAM}&channel=nope")).await;
    assert!(missing.has("Mattermost has no channel ~nope"));
    let display_name = visitor.get(&format!("/admin/webhook-urls?team={TEAM}&channel=Jira+Feed")).await;
    assert!(display_name.has("use the names from the channel&#39;s URL"), "{}", display_name.body);
    assert!(!display_name.has("/webhook?secret="));
    assert_eq!(page.headers.get("referrer-policy").unwrap(), "no-referrer");
    app.shutdown().await;
}

#[tokio::test]
async fn test_connection_reports_the_bot() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/mattermost").await;
    let tested = visitor.submit(&page, "/admin/mattermost/test", &[]).await;
    assert_eq!(tested.status, 200);
    assert!(
        tested.has(&format!("Connected: Mattermost knows the bot token as @{}", app.mm.bot_username())),
        "{}",
        tested.body
    );
    app.mm.stop().await;
    let failed = visitor.submit(&page, "/admin/mattermost/test", &[]).await;
    assert!(failed.has("Mattermost did not answer"), "{}", failed.body);
    app.shutdown().await;
}

#[tokio::test]
async fn every_webhook_url_is_on_one_page_with_the_secret_as_the_command_gives_it() {
    let app = spawn_app().await;
    let request = serde_json::json!({"url": "https://jira.example.com", "type": "server"});
    let added = app.api(reqwest::Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(added.status(), 201);
    let api: serde_json::Value = app
        .api(
            reqwest::Method::GET,
            &format!("/instances/{}/webhook-urls", jirabridge::jira::instance::encode_id("https://jira.example.com")),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subscriptions = api["subscriptions"].as_str().unwrap().to_string();
    assert!(subscriptions.ends_with(&format!("/api/v2/webhook?secret={SECRET}")), "{api}");
    assert!(subscriptions.contains("/plugins/jira/instance/"), "{api}");
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/webhook-urls").await;
    assert!(page.has(&subscriptions), "the page and the API give the same URL: {}", page.body);
    let moved = visitor.get("/admin/legacy-url?team=eng").await;
    assert_eq!(moved.status, 308);
    assert_eq!(moved.headers.get("location").unwrap(), "/admin/webhook-urls?team=eng");
    app.shutdown().await;
}

#[tokio::test]
async fn jira_is_registered_in_a_team_by_its_name_from_the_console() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/mattermost").await;
    let nowhere = visitor.submit(&page, "/admin/mattermost/commands", &[("team", TEAM)]).await;
    assert!(nowhere.has("server.public_url is not set"), "{}", nowhere.body);
    assert!(app.mm.team_commands(&app.team_id).is_empty());
    app.shutdown().await;

    let app = spawn_app_with(|c| c.server.public_url = "https://jirabridge.example.com".into()).await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/mattermost").await;
    let registered = visitor.submit(&page, "/admin/mattermost/commands", &[("team", TEAM)]).await;
    assert_eq!(registered.status, 200);
    assert!(registered.has(&format!("/jira is registered in team {TEAM}")), "{}", registered.body);
    assert_eq!(app.mm.team_commands(&app.team_id).len(), 1);
    let by_name = format!("Registered in: <span title=\"{}\">{TEAM}</span>.", app.team_id);
    assert!(registered.has(&by_name), "the page lists the team by name: {}", registered.body);
    app.mm.deny_bot_command_management();
    let other = app.mm.add_team("ops");
    let refused = visitor.submit(&page, "/admin/mattermost/commands", &[("team", "ops")]).await;
    assert!(refused.has("Register it by hand"), "{}", refused.body);
    assert!(app.mm.team_commands(&other).is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn the_event_log_finds_a_webhook_and_shows_its_payload_preview_and_delivery() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let body = crate::support::fixtures::own("cloud-issue-created.json");
    assert_eq!(app.post_legacy(body).await.status(), 200);
    app.deliver().await;
    let (event_id, event) = app.state.store.recent_events(1).unwrap().remove(0);

    let list = visitor.get(&format!("/admin/events?issue_key={}", event.issue_key.to_lowercase())).await;
    assert_eq!(list.status, 200);
    assert!(list.has(&format!("href=\"/admin/events/{event_id}\"")), "{}", list.body);
    let none = visitor.get("/admin/events?project=NOPE").await;
    assert!(none.has("No event matches."));
    assert!(visitor.get("/admin/events?since=2099-01-01").await.has("No event matches."));
    let listed = visitor.get("/admin/events?since=2000-01-01").await;
    assert!(listed.has(&format!("href=\"/admin/events/{event_id}\"")));
    assert!(listed.has("title=\"event_created\">Issue created</td>"), "{}", listed.body);
    let bad_day = visitor.get("/admin/events?since=last+week").await;
    assert!(bad_day.has("Give a day as YYYY-MM-DD"));

    let shown = visitor.get(&format!("/admin/events/{event_id}")).await;
    assert_eq!(shown.status, 200);
    assert!(shown.has("Issue created (<code>event_created</code>)"), "SPEC §6.9: words, code beside: {}", shown.body);
    assert!(shown.has("id=\"preview\""), "a post preview");
    assert!(shown.has(&event.issue_key));
    assert!(shown.has(&format!("{TEAM} / {CHANNEL}")), "its delivery, by channel name: {}", shown.body);
    assert!(shown.has("badge done"));
    assert_eq!(visitor.get("/admin/events/999999").await.status, 404);

    let dead_free = visitor.get("/admin/deliveries?state=dead").await;
    assert!(dead_free.has("No deliveries in state dead."));
    let done = visitor.get("/admin/deliveries?state=done").await;
    assert!(done.has(&format!("href=\"/admin/events/{event_id}\"")));
    assert!(done.has("eng / jira-feed"), "deliveries name their channel: {}", done.body);
    app.shutdown().await;
}

#[tokio::test]
async fn a_subscription_of_a_removed_instance_is_not_moved_by_an_edit() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    for url in ["https://jira-a.example.com", "https://jira-b.example.com"] {
        let page = visitor.get("/admin/instances").await;
        visitor.submit(&page, "/admin/instances", &[("url", url), ("type", "server"), ("skip_check", "on")]).await;
    }
    let editor = visitor.get("/admin/subscriptions/new").await;
    let channel = format!("{TEAM}/{CHANNEL}");
    let fields = [
        ("name", "B bugs"),
        ("channel", channel.as_str()),
        ("instance_id", "https://jira-b.example.com"),
        ("events", "event_created"),
        ("projects", "KT"),
        ("issue_types", "10001"),
    ];
    let saved = visitor.submit(&editor, "/admin/subscriptions/new", &fields).await;
    let rule = saved.location.unwrap().split('?').next().unwrap().to_string();
    let list = visitor.get("/admin/instances").await;
    visitor
        .submit(&list, "/admin/instances/change", &[("instance", "https://jira-b.example.com"), ("op", "remove")])
        .await;
    let shown = visitor.get(&rule).await;
    assert!(shown.has("<option value=\"https://jira-b.example.com\" selected>"), "{}", shown.body);
    let again = visitor.submit(&shown, &rule, &fields).await;
    assert_eq!(again.status, 400, "saving says the instance is gone");
    assert_eq!(app.state.store.subscriptions().unwrap()[0].instance_id.as_str(), "https://jira-b.example.com");
    app.shutdown().await;
}

/// The subscription editor offers the names an instance's webhooks showed (SPEC §6.9): a
/// project by key and name, an issue type by name with the id a filter stores, and a table
/// of the other ids and names; none of it needs a script.
#[tokio::test]
async fn the_subscription_editor_offers_the_names_jira_sent() {
    let app = spawn_app().await;
    let request = serde_json::json!({"url": "https://jira.corp.example", "type": "server"});
    app.api(reqwest::Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    let body = serde_json::json!({
        "timestamp": 1, "webhookEvent": "jira:issue_created",
        "issue": {"id": "1", "key": "WEB-1", "self": "https://jira.corp.example/rest/api/2/issue/1",
            "fields": {"summary": "S", "project": {"key": "WEB", "name": "Website"},
                "issuetype": {"id": "10001", "name": "Bug"}, "priority": {"id": "2", "name": "High"}}}
    });
    let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    assert_eq!(app.post(&url, body.to_string()).await.status(), 200);
    let mut visitor = signed_in(&app).await;
    let editor = visitor.get("/admin/subscriptions/new").await;
    assert!(editor.has(r#"<option value="WEB">Website</option>"#), "the project is offered");
    assert!(editor.has(r#"<option value="10001">Bug</option>"#), "the issue type by name, stored as its id");
    assert!(editor.has("<td>Priority</td><td><code>2</code></td><td>High</td>"), "priority 2 is High");
    app.shutdown().await;
}
