//! The console in a real headless Chromium: what an admin does, click by click, with
//! screenshots of the main pages into `<target>/screenshots/`.

use crate::support::app::{spawn_app, TestApp, CHANNEL, TEAM};
use crate::support::browser::Browser;
use crate::support::console::{ADMIN, PASSWORD};

async fn sign_in(browser: &Browser, app: &TestApp) {
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    browser.goto(&format!("{}/admin/", app.address)).await;
    assert!(browser.current_url().await.contains("/admin/login"), "sent to sign in");
    browser.screenshot("login").await;
    browser.fill("#username", ADMIN).await;
    browser.fill("#password", PASSWORD).await;
    browser.navigate_by("button[type=submit]").await;
    assert!(browser.current_url().await.ends_with("/admin/"));
    assert!(browser.text().await.contains("Signed in as ops-admin"));
}

#[tokio::test]
async fn an_admin_adds_an_instance_and_a_subscription_with_two_field_filters() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app().await;
    sign_in(&browser, &app).await;
    browser.screenshot("dashboard").await;

    browser.navigate_by("nav a[href=\"/admin/instances\"]").await;
    browser.fill("#url", "https://jira.example.com").await;
    browser.click("input[name=skip_check]").await;
    browser.navigate_by("form[action=\"/admin/instances\"] button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("Jira instance added."), "{text}");
    assert!(text.contains("https://jira.example.com"));
    browser.screenshot("instances").await;

    browser.goto(&format!("{}/admin/subscriptions/new", app.address)).await;
    browser.fill("#name", "Urgent bugs").await;
    browser.fill("#channel", &format!("{TEAM}/{CHANNEL}")).await;
    browser.click("input[name=events][value=event_created]").await;
    browser.click("input[name=events][value=event_updated_status]").await;
    browser.fill("#projects", "KT").await;
    browser.fill("#issue_types", "10001").await;
    let keys = browser.find_all("input[name=field_key]").await;
    let values = browser.find_all("input[name=field_values]").await;
    browser.fill_element(&keys[0], "priority").await;
    browser.fill_element(&values[0], "1, 2").await;
    browser.fill_element(&keys[1], "labels").await;
    browser.click("table.filters-table tbody tr:nth-child(2) option[value=exclude_any]").await;
    browser.fill_element(&values[1], "wontfix").await;
    browser.screenshot("subscription-editor").await;
    browser.navigate_by("#rule-form > button[type=submit]").await;

    let text = browser.text().await;
    assert!(text.contains("Subscription saved."), "{text}");
    assert!(
        text.contains("Project = KT AND IssueType IN (10001) AND priority IN (1, 2) AND labels NOT IN (wontfix)"),
        "{text}"
    );
    browser.screenshot("subscription").await;
    let stored = app.state.store.subscriptions().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].fields.len(), 2);
    assert_eq!(stored[0].channel_id.as_str(), app.channel_id);

    browser.navigate_by("nav a[href=\"/admin/subscriptions\"]").await;
    assert!(browser.text().await.contains("Urgent bugs"));
    browser.screenshot("subscriptions").await;
    browser
        .goto(&format!("{}/admin/webhook-urls?team={TEAM}&channel={CHANNEL}&updated_comments=on", app.address))
        .await;
    assert!(browser.text().await.contains("Mattermost has the channel"));
    browser.screenshot("webhook-urls").await;
    browser.quit().await;
    app.shutdown().await;
}

#[tokio::test]
async fn an_admin_regenerates_the_secret_finds_a_webhook_and_retries_its_dead_delivery() {
    use crate::support::fake_mattermost::Failure;
    let Some(browser) = Browser::start().await else { return };
    let app = crate::support::app::spawn_app_with(|c| c.webhook.secret = jirabridge::config::Secret::default()).await;
    sign_in(&browser, &app).await;

    browser.navigate_by("nav a[href=\"/admin/secrets\"]").await;
    let before = browser.page_marker().await;
    browser.click("#regenerate-webhook-secret").await;
    browser.confirm_and_wait(&before).await;
    let shown = browser.property("#new-webhook-secret", "value").await;
    let secret = shown.as_str().unwrap().to_string();
    assert_eq!(secret, app.state.accepted_secrets().current, "the page shows the secret in force");
    assert!(browser.text().await.contains("Webhook URLs shows every URL with it"));
    browser.screenshot("secrets").await;

    app.mm.fail_route("POST", "/api/v4/posts", Failure::Status(403));
    let url = format!("{}/webhook?secret={secret}&team={TEAM}&channel={CHANNEL}", app.address);
    let body = crate::support::fixtures::own("cloud-issue-created.json");
    assert_eq!(app.post(&url, body).await.status(), 200);
    app.deliver().await;
    let (event_id, event) = app.state.store.recent_events(1).unwrap().remove(0);

    browser.navigate_by("nav a[href=\"/admin/events\"]").await;
    browser.fill("#issue_key", &event.issue_key).await;
    browser.navigate_by("form.search button[type=submit]").await;
    browser.screenshot("events").await;
    browser.navigate_by(&format!("a[href=\"/admin/events/{event_id}\"]")).await;
    let text = browser.text().await;
    assert!(text.contains("Post preview") && text.contains(&event.issue_key), "{text}");
    assert!(text.contains("Gave up"), "its delivery is dead, in words: {text}");
    browser.screenshot("event").await;

    app.mm.heal();
    browser.goto(&format!("{}/admin/deliveries?state=dead", app.address)).await;
    browser.screenshot("deliveries").await;
    browser.navigate_by("#deliveries button[type=submit]").await;
    assert!(browser.text().await.contains("Delivery queued to be sent again now."));
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1, "posted after the retry");
    browser.goto(&format!("{}/admin/deliveries?state=done", app.address)).await;
    assert!(browser.text().await.contains(&format!("#{event_id}")));

    browser.navigate_by("nav a[href=\"/admin/admins\"]").await;
    browser.fill("#username", "second-admin").await;
    browser.fill("#password", "a long enough password").await;
    browser.fill("#password_again", "a long enough password").await;
    browser.fill("#current_password", PASSWORD).await;
    browser.navigate_by("#save-admin").await;
    let text = browser.text().await;
    assert!(text.contains("Admin added."), "{text}");
    assert!(app.state.store.admin_user("second-admin").unwrap().is_some());
    browser.screenshot("admins").await;

    browser.navigate_by("nav a[href=\"/admin/settings\"]").await;
    browser.screenshot("settings").await;
    // Each section saves on its own.
    browser.fill("#mattermost\\.threaded_comment_days", "14").await;
    browser.navigate_by("#section-mattermost button[type=submit]").await;
    let text = browser.text().await;
    assert!(text.contains("Settings saved."), "{text}");
    assert_eq!(app.state.config().mattermost.threaded_comment_days, 14);
    browser.navigate_by("nav a[href=\"/admin/audit\"]").await;
    let audit = browser.text().await;
    assert!(audit.contains("secret.webhook.regenerate") && audit.contains("delivery.retry"), "{audit}");
    browser.screenshot("audit").await;
    browser.quit().await;
    app.shutdown().await;
}
