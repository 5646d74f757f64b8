//! The admin console without a browser: sign-in, sessions, CSRF, throttling, the setup link,
//! and the pages' forms doing what the admin API does.

use sha2::{Digest, Sha256};

use crate::support::app::{spawn_app, spawn_app_with, CHANNEL, SECRET, TEAM};
use crate::support::console::{signed_in, Visitor, ADMIN, PASSWORD};

const PAGES: &[&str] = &[
    "/admin/",
    "/admin/mattermost",
    "/admin/instances",
    "/admin/legacy-url",
    "/admin/subscriptions",
    "/admin/subscriptions/new",
    "/admin/audit",
    "/admin/admins",
];

#[tokio::test]
async fn pages_need_a_session_and_sign_in_returns_to_the_page_asked_for() {
    let app = spawn_app().await;
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    let mut visitor = Visitor::new(&app);
    for path in PAGES {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 303, "{path} without a session");
        assert!(page.location.as_deref().unwrap().starts_with("/admin/login?next="), "{path}");
    }
    let login = visitor.get("/admin/login?next=%2Fadmin%2Finstances").await;
    assert_eq!(login.status, 200);
    assert!(login.has("name=\"username\"") && login.has("name=\"password\""));
    // The way in without an account names this server's own command (no config file here).
    assert!(login.has("<code>jirabridge admin set-password --username NAME</code>"), "{}", login.body);
    let wrong = visitor
        .submit(
            &login,
            "/admin/login",
            &[("username", ADMIN), ("password", "not the password"), ("next", "/admin/instances")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.has("Wrong user name or password."));
    assert!(!visitor.cookies.contains_key("jirabridge_session"));

    let ok = visitor
        .submit(&wrong, "/admin/login", &[("username", ADMIN), ("password", PASSWORD), ("next", "/admin/instances")])
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location.as_deref(), Some("/admin/instances"));
    let cookie = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("jirabridge_session="));
    let cookie = cookie.expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain http test server");
    for path in PAGES {
        let page = visitor.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.has("Signed in as <strong>ops-admin</strong>"), "{path}");
        assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
        assert!(page.headers.get("content-security-policy").unwrap().to_str().unwrap().contains("default-src 'self'"));
    }
    let css = visitor.get("/static/console.css").await;
    assert_eq!(css.status, 200);
    assert!(css.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
    app.shutdown().await;
}

#[tokio::test]
async fn sign_in_goes_only_to_console_paths() {
    let app = spawn_app().await;
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    let mut visitor = Visitor::new(&app);
    let login = visitor.get("/admin/login").await;
    let page = visitor
        .submit(
            &login,
            "/admin/login",
            &[("username", ADMIN), ("password", PASSWORD), ("next", "//evil.example/admin/")],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/admin/"));
    app.shutdown().await;
}

#[tokio::test]
async fn a_next_with_control_characters_goes_to_the_dashboard_with_one_session() {
    let app = spawn_app().await;
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    let nexts = ["/admin/events\r\nSet-Cookie: x=1", "/admin/\0", "/admin/\u{7f}", "/admin/\tevents", "/admin/é"];
    for next in nexts {
        let mut visitor = Visitor::new(&app);
        let login = visitor.get("/admin/login").await;
        let fields = [("username", ADMIN), ("password", PASSWORD), ("next", next)];
        let page = visitor.submit(&login, "/admin/login", &fields).await;
        assert_eq!(page.status, 303, "{next:?}");
        assert_eq!(page.location.as_deref(), Some("/admin/"), "{next:?}");
    }
    let sessions = app.state.store.delete_sessions_of(ADMIN).unwrap();
    assert_eq!(sessions, nexts.len(), "one session per successful sign-in, none left over");
    app.shutdown().await;
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.post("/admin/logout", &[]).await;
    assert_eq!(page.status, 403);
    let page = visitor.post("/admin/logout", &[("csrf_token", "guessed")]).await;
    assert_eq!(page.status, 403);
    let page = visitor.post("/admin/instances", &[("url", "https://jira.example.com")]).await;
    assert_eq!(page.status, 403);
    assert!(app.state.store.instances().unwrap().is_empty());

    // The sign-in form's token is tied to its cookie: a form from elsewhere fails.
    let mut other = Visitor::new(&app);
    let page = other.post("/admin/login", &[("username", ADMIN), ("password", PASSWORD), ("csrf_token", "x")]).await;
    assert_eq!(page.status, 403);
    app.shutdown().await;
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let stolen = visitor.cookies.get("jirabridge_session").unwrap().clone();
    let dashboard = visitor.get("/admin/").await;
    let out = visitor.submit(&dashboard, "/admin/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/admin/login?signed_out=1"));
    assert!(!visitor.cookies.contains_key("jirabridge_session"));
    visitor.cookies.insert("jirabridge_session".into(), stolen);
    assert_eq!(visitor.get("/admin/").await.status, 303, "the old cookie no longer works");
    app.shutdown().await;
}

#[tokio::test]
async fn sessions_expire_after_the_ttl_without_use() {
    let app = spawn_app_with(|c| c.admin.session_ttl_hours = 1).await;
    let mut visitor = signed_in(&app).await;
    assert_eq!(visitor.get("/admin/").await.status, 200);
    let hash: [u8; 32] = Sha256::digest(visitor.cookies["jirabridge_session"].as_bytes()).into();
    let mut record = app.state.store.session(&hash).unwrap().unwrap();
    record.last_seen_ms -= 3_600_001;
    app.state.store.put_session(&hash, &record).unwrap();
    assert_eq!(visitor.get("/admin/").await.status, 303);
    assert!(app.state.store.session(&hash).unwrap().is_none(), "expired session removed");
    app.shutdown().await;
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled() {
    let app = spawn_app_with(|c| c.admin.login_max_attempts = 3).await;
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    let mut visitor = Visitor::new(&app);
    let mut page = visitor.get("/admin/login").await;
    for _ in 0..3 {
        page = visitor.submit(&page, "/admin/login", &[("username", ADMIN), ("password", "wrong password!")]).await;
        assert_eq!(page.status, 401);
    }
    let blocked = visitor.submit(&page, "/admin/login", &[("username", ADMIN), ("password", PASSWORD)]).await;
    assert_eq!(blocked.status, 429, "even the right password waits");
    let retry: u64 = blocked.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    assert!(blocked.has("Too many wrong passwords"));
    app.shutdown().await;
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let app = spawn_app().await;
    let token = app.state.console.new_setup_token(60_000).unwrap();
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.get("/admin/setup?token=wrong").await.status, 400);
    let path = format!("/admin/setup?token={token}");
    let form = visitor.get(&path).await;
    assert_eq!(form.status, 200);
    let differ = visitor
        .submit(&form, &path, &[("username", "first"), ("password", PASSWORD), ("password_again", "something else")])
        .await;
    assert_eq!(differ.status, 400);
    assert!(differ.has("The two passwords differ."));
    let short = visitor
        .submit(&differ, &path, &[("username", "first"), ("password", "short"), ("password_again", "short")])
        .await;
    assert_eq!(short.status, 400);
    assert!(short.has("at least 12 characters"));
    let done = visitor
        .submit(&short, &path, &[("username", "first"), ("password", PASSWORD), ("password_again", PASSWORD)])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(visitor.get("/admin/").await.status, 200, "signed in as the new admin");
    assert!(jirabridge::accounts::verify(&app.state.store, "first", PASSWORD).unwrap());
    let again = Visitor::new(&app).get(&path).await;
    assert_eq!(again.status, 400);
    assert!(again.has("An admin already exists"));
    app.shutdown().await;
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let app = spawn_app_with(|c| c.server.public_url = "https://bridge.example.com".into()).await;
    let mut visitor = Visitor::new(&app);
    let login = visitor.get("/admin/login").await;
    let cookie = login.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    app.shutdown().await;
}

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
    let audit = visitor.get("/admin/audit").await;
    assert!(audit.has("instance.add") && audit.has("instance.update"));
    assert!(audit.has("<td>ops-admin</td>"));
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
    assert_eq!(stored[0].channel_id, app.channel_id, "team/channel resolved to the id");
    assert_eq!(stored[0].fields.len(), 2);
    let shown = visitor.get(saved.location.as_deref().unwrap()).await;
    assert!(shown.has("Subscription saved."));
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

    let rule_path = saved.location.as_deref().unwrap().split('?').next().unwrap().to_string();
    let dry = visitor.submit(&shown, &format!("{rule_path}/dry-run"), &[]).await;
    assert_eq!(dry.status, 200);
    assert!(dry.has("of the last 0 stored events would have been posted"));
    app.shutdown().await;
}

#[tokio::test]
async fn the_legacy_url_builder_puts_the_secret_and_flags_in_the_url() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get(&format!("/admin/legacy-url?team={TEAM}&channel={CHANNEL}&updated_comments=on")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.has(&format!("/webhook?secret={SECRET}&team={TEAM}&channel={CHANNEL}&updated_comments=1")),
        "{}",
        page.body
    );
    assert!(page.has("Mattermost has the channel"));
    let missing = visitor.get(&format!("/admin/legacy-url?team={TEAM}&channel=nope")).await;
    assert!(missing.has("Mattermost has no channel ~nope"));
    let display_name = visitor.get(&format!("/admin/legacy-url?team={TEAM}&channel=Jira+Feed")).await;
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
    assert!(visitor.get("/admin/events?since=2000-01-01").await.has(&format!("href=\"/admin/events/{event_id}\"")));
    let bad_day = visitor.get("/admin/events?since=last+week").await;
    assert!(bad_day.has("Give a day as YYYY-MM-DD"));

    let shown = visitor.get(&format!("/admin/events/{event_id}")).await;
    assert_eq!(shown.status, 200);
    assert!(shown.has("event_created"));
    assert!(shown.has("id=\"preview\""), "a post preview");
    assert!(shown.has(&event.issue_key));
    assert!(shown.has(&format!("{TEAM}/{CHANNEL}")) || shown.has(&app.channel_id), "its delivery: {}", shown.body);
    assert!(shown.has("badge done"));
    assert_eq!(visitor.get("/admin/events/999999").await.status, 404);

    let dead_free = visitor.get("/admin/deliveries?state=dead").await;
    assert!(dead_free.has("No deliveries in state dead."));
    let done = visitor.get("/admin/deliveries?state=done").await;
    assert!(done.has(&format!("href=\"/admin/events/{event_id}\"")));
    app.shutdown().await;
}

#[tokio::test]
async fn settings_are_changed_from_the_console_and_apply_at_once() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    assert_eq!(page.status, 200);
    assert!(page.has("id=\"mattermost.threaded_comment_days\""));
    assert!(page.has("ThreadedJiraCommentSubscriptionDuration"), "plugin setting names shown");
    assert!(page.has("Read-only: start-up only"), "start-up keys are read-only");
    assert!(page.has("No effect yet: this version has no /jira slash command."), "keys waiting for a feature say so");

    let bad = visitor
        .submit(
            &page,
            "/admin/settings",
            &[("shown", "mattermost.threaded_comment_days"), ("mattermost.threaded_comment_days", "soon")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.has("class=\"field-error\""), "{}", bad.body);
    assert_eq!(app.state.config().mattermost.threaded_comment_days, 30, "nothing saved");

    let saved = visitor
        .submit(
            &page,
            "/admin/settings",
            &[
                ("shown", "mattermost.threaded_comment_days"),
                ("mattermost.threaded_comment_days", "7"),
                ("shown", "mattermost.hide_description_comment"),
                ("mattermost.hide_description_comment", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let config = app.state.config();
    assert_eq!(config.mattermost.threaded_comment_days, 7);
    assert!(config.mattermost.hide_description_comment);
    let again = visitor.get(saved.location.as_deref().unwrap()).await;
    assert!(again.has("Settings saved."));
    assert!(visitor.get("/admin/audit").await.has("threaded_comment_days"));

    // A page loaded before that change, submitted with only another field changed, leaves
    // the change alone (as a browser sends it: every field, with the values it showed).
    assert!(page.has("name=\"was:mattermost.threaded_comment_days\" value=\"30\""), "{}", page.body);
    let stale = [
        ("shown", "mattermost.threaded_comment_days"),
        ("was:mattermost.threaded_comment_days", "30"),
        ("mattermost.threaded_comment_days", "30"),
        ("shown", "mattermost.display_subscription_name"),
        ("was:mattermost.display_subscription_name", "false"),
        ("mattermost.display_subscription_name", "on"),
    ];
    assert_eq!(visitor.submit(&page, "/admin/settings", &stale).await.status, 303);
    let config = app.state.config();
    assert_eq!(config.mattermost.threaded_comment_days, 7, "not undone by the stale page");
    assert!(config.mattermost.display_subscription_name);
    // Nor through the page that marks a mistake elsewhere: the untouched field comes back
    // with the value in force, and saving the corrected page keeps it.
    let stale_with_mistake = [
        ("shown", "mattermost.threaded_comment_days"),
        ("was:mattermost.threaded_comment_days", "30"),
        ("mattermost.threaded_comment_days", "30"),
        ("shown", "mattermost.delivery_max_age_hours"),
        ("was:mattermost.delivery_max_age_hours", "24"),
        ("mattermost.delivery_max_age_hours", "soon"),
    ];
    let marked = visitor.submit(&page, "/admin/settings", &stale_with_mistake).await;
    assert_eq!(marked.status, 400);
    assert!(marked.has("name=\"was:mattermost.threaded_comment_days\" value=\"7\""), "{}", marked.body);
    assert!(marked.has("id=\"mattermost.threaded_comment_days\" value=\"7\""), "{}", marked.body);
    assert!(
        marked.has("name=\"was:mattermost.delivery_max_age_hours\" value=\"24\""),
        "the typed field keeps its origin"
    );
    assert!(marked.has("id=\"mattermost.delivery_max_age_hours\" value=\"soon\""), "and what was typed");

    // Logging bodies while the level hides debug messages would log nothing: the page says so.
    let bodies = [("shown", "log.webhook_bodies"), ("log.webhook_bodies", "on")];
    let saved = visitor.submit(&again, "/admin/settings", &bodies).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let warned = visitor.get("/admin/settings").await;
    assert!(warned.has("On, but log.level hides debug messages, so no body is logged"), "{}", warned.body);
    app.shutdown().await;
}

#[tokio::test]
async fn a_bot_token_is_saved_and_tested_unless_the_config_file_sets_it() {
    // Values a test config sets count as set in the file: the URL here, read-only.
    let app = spawn_app_with(|c| c.mattermost.bot_token = jirabridge::config::Secret::default()).await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/mattermost").await;
    assert!(page.has("Read-only: set in the config file."), "{}", page.body);
    assert!(page.has("placeholder=\"not set\""));
    let wrong = visitor.submit(&page, "/admin/mattermost", &[("bot_token", "a-token-mattermost-does-not-know")]).await;
    assert_eq!(wrong.status, 200);
    assert_eq!(app.state.config().mattermost.bot_token.expose(), "a-token-mattermost-does-not-know");
    assert!(wrong.has("Mattermost refused the bot token (401)"), "{}", wrong.body);
    let right =
        visitor.submit(&page, "/admin/mattermost", &[("bot_token", crate::support::fake_mattermost::BOT_TOKEN)]).await;
    assert!(right.has("Connected: Mattermost knows the bot token"), "{}", right.body);
    let audit = visitor.get("/admin/audit").await;
    assert!(audit.has("mattermost.bot_token"));
    assert!(!audit.has("a-token-mattermost-does-not-know"), "secrets are not audited");
    app.shutdown().await;
}

#[tokio::test]
async fn a_regenerated_webhook_secret_is_shown_once_and_the_old_one_keeps_working() {
    let app = spawn_app_with(|c| c.webhook.secret = jirabridge::config::Secret::default()).await;
    let old = app.state.accepted_secrets().current;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    assert!(!page.has("id=\"new-webhook-secret\""));
    let shown = visitor.submit(&page, "/admin/secrets/webhook", &[]).await;
    assert_eq!(shown.status, 200);
    let new = app.state.accepted_secrets().current;
    assert_ne!(new, old);
    assert!(shown.has(&format!("value=\"{new}\"")), "shown once");
    assert!(shown.has("The previous secret is accepted until"));
    assert_eq!(shown.headers.get("cache-control").unwrap(), "no-store");
    assert!(!visitor.get("/admin/secrets").await.has(&new), "never shown again");

    let body = crate::support::fixtures::own("cloud-issue-created.json");
    for secret in [&old, &new] {
        let url = format!("{}/webhook?secret={secret}&team={TEAM}&channel={CHANNEL}", app.address);
        assert_eq!(app.post(&url, body.clone()).await.status(), 200, "accepted during the grace period");
    }
    let audit = visitor.get("/admin/audit").await;
    assert!(audit.has("secret.webhook.regenerate"));
    assert!(!audit.has(&new) && !audit.has(&old));
    app.shutdown().await;
}

#[tokio::test]
async fn secrets_set_in_the_config_file_are_not_regenerated() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    assert!(page.has("Read-only: set in the config file."));
    let refused = visitor.submit(&page, "/admin/secrets/webhook", &[]).await;
    assert_eq!(refused.status, 409);
    assert_eq!(app.state.accepted_secrets().current, SECRET);
    app.shutdown().await;
}

#[tokio::test]
async fn a_regenerated_admin_token_replaces_the_old_one() {
    let app = spawn_app_with(|c| c.admin.api_token = jirabridge::config::Secret::default()).await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    let shown = visitor.submit(&page, "/admin/secrets/admin-token", &[]).await;
    assert_eq!(shown.status, 200);
    let marker = "id=\"new-admin-token\" class=\"secret-once\" readonly value=\"";
    let start = shown.body.find(marker).expect("token shown") + marker.len();
    let token = &shown.body[start..start + shown.body[start..].find('"').unwrap()];
    let status = |token: String| {
        let http = app.http.clone();
        let url = format!("{}/api/v1/status", app.address);
        async move { http.get(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(token.to_string()).await, 200);
    assert_eq!(status("test-admin-api-token-0123456789".into()).await, 401);
    app.shutdown().await;
}

#[tokio::test]
async fn an_event_is_replayed_and_a_dead_delivery_retried_from_the_console() {
    use crate::support::fake_mattermost::Failure;
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    app.mm.fail_route("POST", "/api/v4/posts", Failure::Status(403));
    assert_eq!(app.post_legacy(crate::support::fixtures::own("cloud-issue-created.json")).await.status(), 200);
    app.deliver().await;
    let dead = visitor.get("/admin/deliveries?state=dead").await;
    assert!(dead.has("Retry now"), "{}", dead.body);
    let id = app.state.store.all_deliveries().unwrap()[0].id;
    app.mm.heal();
    let retried = visitor.submit(&dead, &format!("/admin/deliveries/{id}/retry"), &[]).await;
    assert_eq!(retried.status, 303);
    assert!(visitor.get(retried.location.as_deref().unwrap()).await.has("Delivery queued to be sent again now."));
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1, "posted after the retry");
    let done = visitor.submit(&dead, &format!("/admin/deliveries/{id}/retry"), &[]).await;
    assert_eq!(done.status, 400, "a done delivery is not sent twice");

    let event_id = app.state.store.recent_events(1).unwrap()[0].0;
    let event = visitor.get(&format!("/admin/events/{event_id}")).await;
    let replayed = visitor.submit(&event, &format!("/admin/events/{event_id}/replay"), &[]).await;
    assert_eq!(replayed.status, 303);
    assert!(visitor.get(replayed.location.as_deref().unwrap()).await.has("Event replayed"));
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 2, "the replay posted again");
    app.shutdown().await;
}

#[tokio::test]
async fn only_allowed_networks_reach_the_console_and_the_api() {
    let app = spawn_app_with(|c| c.admin.allow_from = vec!["10.0.0.0/8".into()]).await;
    for path in ["/admin/login", "/admin/", "/api/v1/status"] {
        assert_eq!(app.get(path).await.status(), 403, "{path} from 127.0.0.1");
    }
    assert_eq!(
        app.post_legacy(crate::support::fixtures::own("cloud-issue-created.json")).await.status(),
        200,
        "webhooks are not admin"
    );
    app.shutdown().await;

    let app = spawn_app_with(|c| {
        c.admin.allow_from = vec!["10.0.0.0/8".into()];
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let through_proxy = |client: &'static str| {
        let request = app.http.get(format!("{}/admin/login", app.address)).header("x-forwarded-for", client);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(through_proxy("10.1.2.3").await, 200, "the proxy's client is inside the range");
    assert_eq!(through_proxy("10.1.2.3, 192.168.7.7").await, 403, "the nearest untrusted hop counts");
    app.shutdown().await;
}

#[tokio::test]
async fn a_new_password_ends_the_sessions_of_the_old_one() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    assert_eq!(visitor.get("/admin/").await.status, 200);
    jirabridge::accounts::set_password(&app.state.store, ADMIN, "a brand new passphrase", 2).unwrap();
    assert_eq!(visitor.get("/admin/").await.status, 303, "signed out by the password change");
    app.shutdown().await;
}

#[tokio::test]
async fn a_user_name_no_account_can_have_is_refused_without_a_trace() {
    let app = spawn_app().await;
    let mut visitor = Visitor::new(&app);
    let login = visitor.get("/admin/login").await;
    let long = "x".repeat(10_000);
    let page =
        visitor.submit(&login, "/admin/login", &[("username", long.as_str()), ("password", "whatever it is")]).await;
    assert_eq!(page.status, 401);
    assert!(page.has("Wrong user name or password."));
    assert!(app.state.store.login_attempts("127.0.0.1", &long).unwrap().is_none(), "nothing stored");
    app.shutdown().await;
}

#[tokio::test]
async fn regenerating_again_within_the_grace_period_needs_a_confirmation() {
    let app = spawn_app_with(|c| c.webhook.secret = jirabridge::config::Secret::default()).await;
    let first = app.state.accepted_secrets().current;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    assert_eq!(visitor.submit(&page, "/admin/secrets/webhook", &[]).await.status, 200);
    let second = app.state.accepted_secrets().current;
    let again = visitor.submit(&page, "/admin/secrets/webhook", &[]).await;
    assert_eq!(again.status, 409, "a resubmitted form does not end the grace period");
    assert!(again.has("tick the box below"));
    assert_eq!(app.state.accepted_secrets().current, second);
    assert_eq!(app.state.accepted_secrets().previous.as_deref(), Some(first.as_str()));
    let confirmed = visitor.submit(&again, "/admin/secrets/webhook", &[("end_grace", "on")]).await;
    assert_eq!(confirmed.status, 200);
    assert_ne!(app.state.accepted_secrets().current, second);
    app.shutdown().await;
}

#[tokio::test]
async fn an_invalid_setting_keeps_what_was_typed() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    let bad = visitor
        .submit(
            &page,
            "/admin/settings",
            &[
                ("shown", "mattermost.threaded_comment_days"),
                ("mattermost.threaded_comment_days", "soon"),
                ("shown", "mattermost.additional_help_text"),
                ("mattermost.additional_help_text", "Ask #jira-help"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.has("value=\"Ask #jira-help\""), "the valid edit is still there");
    assert!(bad.has("value=\"soon\""), "and the invalid one, marked");
    assert_eq!(app.state.config().mattermost.additional_help_text, "", "nothing saved");
    app.shutdown().await;
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out_with_allow_from() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    let refused = visitor
        .submit(&page, "/admin/settings", &[("shown", "admin.allow_from"), ("admin.allow_from", "10.0.0.0/8")])
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.has("this would lock you out: your address 127.0.0.1"), "{}", refused.body);
    assert!(app.state.config().admin.allow_from.is_empty());
    let api =
        app.api(reqwest::Method::PATCH, "/settings").json(&serde_json::json!({"admin.allow_from": ["10.0.0.0/8"]}));
    assert_eq!(api.send().await.unwrap().status(), 400);
    let fine = visitor
        .submit(
            &page,
            "/admin/settings",
            &[("shown", "admin.allow_from"), ("admin.allow_from", "127.0.0.0/8, 10.0.0.0/8")],
        )
        .await;
    assert_eq!(fine.status, 303);
    assert_eq!(visitor.get("/admin/").await.status, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_form_from_another_tab_still_works_and_bad_paths_are_console_404s() {
    let app = spawn_app().await;
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    let mut visitor = Visitor::new(&app);
    let first_tab = visitor.get("/admin/login").await;
    let _second_tab = visitor.get("/admin/login").await;
    let signed_in = visitor.submit(&first_tab, "/admin/login", &[("username", ADMIN), ("password", PASSWORD)]).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let missing = visitor.get("/admin/events/not-a-number").await;
    assert_eq!(missing.status, 404);
    assert!(missing.has("There is no such page in the console."));
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
    assert_eq!(app.state.store.subscriptions().unwrap()[0].instance_id, "https://jira-b.example.com");
    app.shutdown().await;
}

#[tokio::test]
async fn a_secret_setting_is_replaced_and_removed_but_never_shown() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    let key = "jira.admin_api_token";
    let set = visitor.submit(&page, "/admin/settings", &[("shown", key), (key, "jira-token-123")]).await;
    assert_eq!(set.status, 303);
    assert_eq!(app.state.config().jira.admin_api_token.expose(), "jira-token-123");
    let page = visitor.get("/admin/settings").await;
    assert!(!page.has("jira-token-123"), "never shown");
    assert!(page.has("name=\"clear:jira.admin_api_token\""));
    let kept = visitor.submit(&page, "/admin/settings", &[("shown", key), (key, "")]).await;
    assert_eq!(kept.location.as_deref(), Some("/admin/settings?notice=settings_unchanged"), "empty keeps it");
    let cleared = visitor
        .submit(&page, "/admin/settings", &[("shown", key), (key, ""), ("clear:jira.admin_api_token", "on")])
        .await;
    assert_eq!(cleared.status, 303);
    assert_eq!(app.state.config().jira.admin_api_token.expose(), "");
    app.shutdown().await;
}

/// An admin adds a colleague, who signs in; deleting the colleague signs them out at once.
/// Both changes need the admin's own password; nobody can delete the account they are signed
/// in with, and the form's mistakes are said.
#[tokio::test]
async fn admins_are_added_and_deleted_from_the_console() {
    let app = spawn_app().await;
    let mut admin = signed_in(&app).await;
    let page = admin.get("/admin/admins").await;
    assert_eq!(page.status, 200);
    assert!(page.has(&format!("{ADMIN} (you)")), "{}", page.body);
    assert!(page.has("You are the only admin."), "nobody to delete yet");

    let add = |again: &'static str, mine: &'static str| {
        [
            ("username", "bob"),
            ("password", "bob's long password"),
            ("password_again", again),
            ("current_password", mine),
        ]
    };
    let differ = admin.submit(&page, "/admin/admins", &add("something else", PASSWORD)).await;
    assert_eq!(differ.status, 400);
    assert!(differ.has("The two passwords differ"), "{}", differ.body);
    let short =
        [("username", "bob"), ("password", "short"), ("password_again", "short"), ("current_password", PASSWORD)];
    let short = admin.submit(&page, "/admin/admins", &short).await;
    assert_eq!(short.status, 400);
    assert!(short.has("at least 12 characters"), "{}", short.body);
    assert!(short.has("value=\"bob\""), "the user name is kept");
    let not_me = admin.submit(&page, "/admin/admins", &add("bob's long password", "a guessed password")).await;
    assert_eq!(not_me.status, 403, "a session alone cannot add an admin");
    assert!(not_me.has("Your own password is not right"), "{}", not_me.body);
    assert!(app.state.store.admin_user("bob").unwrap().is_none());
    let added = admin.submit(&page, "/admin/admins", &add("bob's long password", PASSWORD)).await;
    assert_eq!(added.status, 303, "a reload after adding does not send the form again");
    let added = admin.get(added.location.as_deref().unwrap()).await;
    assert!(added.has("Admin added."), "{}", added.body);
    assert!(added.has("<option value=\"bob\">bob</option>"), "bob can now be deleted");
    assert!(!added.has(&format!("<option value=\"{ADMIN}\">")), "but not oneself");

    let mut bob = Visitor::new(&app);
    bob.sign_in_as("bob", "bob's long password").await;
    assert_eq!(bob.get("/admin/").await.status, 200);

    // Bob changes his own password: his sessions end, and the sign-in page says why.
    let bobs_page = bob.get("/admin/admins").await;
    let own = [
        ("username", "bob"),
        ("password", "bob's new long password"),
        ("password_again", "bob's new long password"),
        ("current_password", "bob's long password"),
    ];
    let changed = bob.submit(&bobs_page, "/admin/admins", &own).await;
    assert_eq!(changed.location.as_deref(), Some("/admin/login?password_changed=1"));
    assert!(bob.get("/admin/login?password_changed=1").await.has("Your password was changed"));
    assert_eq!(bob.get("/admin/").await.status, 303, "signed out");
    bob.sign_in_as("bob", "bob's new long password").await;

    let delete = |who: &'static str, mine: &'static str| [("username", who), ("current_password", mine)];
    let myself = admin.submit(&page, "/admin/admins/delete", &delete(ADMIN, PASSWORD)).await;
    assert_eq!(myself.status, 409);
    assert!(myself.has("You cannot delete the account you are signed in with"), "{}", myself.body);
    let nobody = admin.submit(&page, "/admin/admins/delete", &delete("carol", PASSWORD)).await;
    assert_eq!(nobody.status, 404);
    let unconfirmed = admin.submit(&page, "/admin/admins/delete", &delete("bob", "")).await;
    assert_eq!(unconfirmed.status, 403);
    assert_eq!(bob.get("/admin/").await.status, 200, "bob is still there");

    let deleted = admin.submit(&added, "/admin/admins/delete", &delete("bob", PASSWORD)).await;
    assert_eq!(deleted.status, 303);
    let deleted = admin.get(deleted.location.as_deref().unwrap()).await;
    assert!(deleted.has("Admin deleted and signed out."), "{}", deleted.body);
    assert!(!deleted.has("<td>bob"), "bob is no longer listed");
    let after = bob.get("/admin/").await;
    assert_eq!(after.status, 303, "bob's session ended");
    assert!(after.location.unwrap_or_default().starts_with("/admin/login"));
    let audit = app.state.store.audit_entries(0, 1).unwrap();
    assert_eq!((audit[0].actor.as_str(), audit[0].action.as_str()), (ADMIN, "admin_user.deleted"));

    // Guessing one's own password through a borrowed session is limited like signing in.
    for _ in 0..5 {
        let wrong = admin.submit(&page, "/admin/admins/delete", &delete("bob", "a guessed password")).await;
        assert_eq!(wrong.status, 403);
    }
    let locked = admin.submit(&page, "/admin/admins/delete", &delete("bob", PASSWORD)).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    app.shutdown().await;
}

/// A session outlives nothing: once its account is gone (even without the deletion ending
/// its sessions, as when a sign-in finished just after it), its pages send it to sign in.
#[tokio::test]
async fn a_session_of_a_deleted_account_is_over() {
    let app = spawn_app().await;
    let mut admin = signed_in(&app).await;
    assert_eq!(admin.get("/admin/").await.status, 200);
    app.state.store.delete_admin_user(ADMIN).unwrap();
    let page = admin.get("/admin/settings").await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap_or_default().starts_with("/admin/login"));
    app.shutdown().await;
}
