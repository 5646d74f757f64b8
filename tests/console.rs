//! The admin console without a browser: sign-in, sessions, CSRF, throttling, the setup link,
//! allowed networks and admin accounts. The pages' forms are in `console_pages` and
//! `console_settings`.

use sha2::{Digest, Sha256};

use crate::support::app::{spawn_app, spawn_app_with};
use crate::support::console::{signed_in, Visitor, ADMIN, PASSWORD};

const PAGES: &[&str] = &[
    "/admin/",
    "/admin/mattermost",
    "/admin/instances",
    "/admin/webhook-urls",
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
    // An admin exists: the page says nothing about making one.
    assert!(!login.has("set-password"), "{}", login.body);
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

#[tokio::test]
async fn the_set_password_hint_shows_only_while_no_admin_exists_and_names_no_path() {
    let app = spawn_app().await;
    let mut visitor = Visitor::new(&app);
    let login = visitor.get("/admin/login").await;
    assert!(login.has("jirabridge admin set-password --username NAME"), "{}", login.body);
    assert!(!login.has(&app.data_dir.path().display().to_string()), "no path of this server: {}", login.body);
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    let login = visitor.get("/admin/login").await;
    assert!(!login.has("set-password"), "{}", login.body);
    app.shutdown().await;
}
