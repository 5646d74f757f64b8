//! The catalogue from Jira's REST (SPEC §6.9): with the admin credentials, the names Jira
//! lists (projects, issue types, priorities, statuses, custom fields, and per project its
//! components, versions and security levels) are offered, marked `"source": "jira"`, over
//! what payloads taught; read again only after 10 minutes; never asked in push-only mode.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use jirabridge::jira::instance::encode_id;

use crate::mentions::app_for;
use crate::support::app::{spawn_app_with, TestApp, CHANNEL, TEAM};
use crate::support::console::signed_in;
use crate::support::fake_jira::{FakeJira, API_TOKEN, EMAIL};

/// A Jira with project OPS, a custom field, and OPS's components, versions and levels.
async fn a_jira_with_names() -> FakeJira {
    let jira = FakeJira::start().await;
    jira.add_project("OPS", "Operations", &[("10004", "Incident")], &[]);
    jira.add_custom_field("customfield_10020", "Sprint");
    jira.set_project_list("OPS", "components", &[("50", "API")]);
    jira.set_project_list("OPS", "versions", &[("60", "2.0")]);
    jira.set_project_list("OPS", "securitylevel", &[("10100", "Staff only")]);
    jira
}

/// `GET /api/v1/catalog/{reference}` (an alias, or the instance's id in base64).
async fn catalogue(app: &TestApp, reference: &str) -> Value {
    let response = app.api(Method::GET, &format!("/catalog/{reference}")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// `(id, name, source, project)` of each entry of `kind`.
fn listed(body: &Value, kind: &str) -> Vec<(String, String, String, Option<String>)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let items = body[kind].as_array().unwrap_or_else(|| panic!("{kind} in {body}"));
    items
        .iter()
        .map(|e| (text(&e["id"]), text(&e["name"]), text(&e["source"]), e["project"].as_str().map(str::to_string)))
        .collect()
}

fn entry(id: &str, name: &str, source: &str, project: Option<&str>) -> (String, String, String, Option<String>) {
    (id.into(), name.into(), source.into(), project.map(str::to_string))
}

#[tokio::test]
async fn the_api_lists_what_jira_lists_and_asks_again_only_after_ten_minutes() {
    let jira = a_jira_with_names().await;
    let app = app_for(&jira, false).await;
    let body = catalogue(&app, &encode_id(&jira.url)).await;
    assert_eq!(listed(&body, "projects"), [entry("OPS", "Operations", "jira", None)]);
    let types = listed(&body, "issue_types");
    assert!(types.contains(&entry("10004", "Incident", "jira", None)), "a project's own type: {types:?}");
    assert!(types.contains(&entry("10001", "Bug", "jira", None)), "the site's types: {types:?}");
    assert!(listed(&body, "priorities").contains(&entry("2", "High", "jira", None)));
    assert!(listed(&body, "statuses").contains(&entry("3", "In Progress", "jira", None)));
    assert_eq!(listed(&body, "fields"), [entry("customfield_10020", "Sprint", "jira", None)], "custom fields only");
    assert_eq!(listed(&body, "components"), [entry("50", "API", "jira", Some("OPS"))]);
    assert_eq!(listed(&body, "versions"), [entry("60", "2.0", "jira", Some("OPS"))]);
    assert_eq!(listed(&body, "security_levels"), [entry("10100", "Staff only", "jira", Some("OPS"))]);

    // What only a payload showed stays, marked as seen (labels have no list in Jira's API).
    let url = format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET);
    let payload =
        include_str!("fixtures/server-issue-created-wiki-markup.json").replace("https://jira.corp.example", &jira.url);
    assert_eq!(app.post(&url, payload).await.status(), StatusCode::OK);
    let asked = jira.requests().len();
    let again = catalogue(&app, &encode_id(&jira.url)).await;
    assert_eq!(jira.requests().len(), asked, "within 10 minutes the listing is not read again");
    let projects = listed(&again, "projects");
    assert!(projects.contains(&entry("OPS", "Operations", "jira", None)), "{projects:?}");
    assert!(projects.iter().any(|(id, _, source, _)| id == "WEB" && source == "seen"), "{projects:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn push_only_never_asks_jira_for_names() {
    let jira = a_jira_with_names().await;
    let app = app_for(&jira, true).await;
    let body = catalogue(&app, &encode_id(&jira.url)).await;
    assert_eq!(body["projects"], json!([]));
    let mut visitor = signed_in(&app).await;
    visitor.get("/admin/subscriptions/new").await;
    assert_eq!(jira.requests(), Vec::<String>::new());
    app.shutdown().await;
}

/// The console's editor offers Jira's names before any webhook came, and a name typed
/// where an id goes is stored as Jira's id.
#[tokio::test]
async fn the_editor_offers_jira_names_and_stores_their_ids() {
    let jira = a_jira_with_names().await;
    let app = app_for(&jira, false).await;
    let mut visitor = signed_in(&app).await;
    let editor = visitor.get("/admin/subscriptions/new").await;
    assert!(editor.has("<option value=\"10004\">Incident</option>"), "{}", editor.body);
    assert!(editor.has("Staff only"), "security levels are named");
    let channel = format!("{TEAM}/{CHANNEL}");
    let fields = [
        ("name", "Ops incidents"),
        ("channel", channel.as_str()),
        ("instance_id", jira.url.as_str()),
        ("events", "event_created"),
        ("projects", "OPS"),
        ("issue_types", "Incident"),
        ("field_key", "security"),
        ("field_inclusion", "include_any"),
        ("field_values", "Staff only"),
    ];
    let saved = visitor.submit(&editor, "/admin/subscriptions/new", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = &app.state.store.subscriptions().unwrap()[0];
    assert_eq!(stored.issue_types, ["10004"]);
    assert_eq!(stored.fields[0].values, ["10100"]);
    app.shutdown().await;
}

/// Form fields as the console's `submit` takes them.
fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A name is resolved within the rule's projects; one that names several ids, or none, is
/// refused with a message next to its input instead of being stored as text that would
/// never match.
#[tokio::test]
async fn a_name_of_several_ids_or_none_is_refused_not_stored() {
    let jira = a_jira_with_names().await;
    jira.add_project("WEB", "Website", &[("10004", "Incident")], &[]);
    jira.set_project_list("OPS", "components", &[("50", "Backend")]);
    jira.set_project_list("WEB", "components", &[("51", "Backend")]);
    let app = app_for(&jira, false).await;
    let mut visitor = signed_in(&app).await;
    let editor = visitor.get("/admin/subscriptions/new").await;
    let channel = format!("{TEAM}/{CHANNEL}");
    let rule = |name: &'static str, projects: &'static str, types: &'static str| {
        vec![
            ("name", name.to_string()),
            ("channel", channel.clone()),
            ("instance_id", jira.url.clone()),
            ("events", "event_created".to_string()),
            ("projects", projects.to_string()),
            ("issue_types", types.to_string()),
            ("field_key", "components".to_string()),
            ("field_inclusion", "include_any".to_string()),
            ("field_values", "backend".to_string()),
        ]
    };
    let both = rule("Both", "OPS, WEB", "Incident");
    let refused = visitor.submit(&editor, "/admin/subscriptions/new", &pairs(&both)).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.has("Several component ids are named \"backend\" (50, 51): give the id."), "{}", refused.body);

    let unknown = rule("Typo", "OPS", "Incidnet");
    let refused = visitor.submit(&editor, "/admin/subscriptions/new", &pairs(&unknown)).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.has("No issue type named \"Incidnet\" is known for this instance"), "{}", refused.body);
    assert!(app.state.store.subscriptions().unwrap().is_empty(), "nothing saved");

    let one = rule("Ops only", "OPS", "Incident");
    let saved = visitor.submit(&editor, "/admin/subscriptions/new", &pairs(&one)).await;
    assert_eq!(saved.status, 303, "within OPS the name is OPS's component: {}", saved.body);
    assert_eq!(app.state.store.subscriptions().unwrap()[0].fields[0].values, ["50"]);
    app.shutdown().await;
}

/// A slow Jira does not hold the editor: the page waits a few seconds at most, the listing
/// goes on in the background, and a later page has the names.
#[tokio::test]
async fn a_slow_jira_does_not_hold_the_editor() {
    let jira = a_jira_with_names().await;
    jira.slow_lists(std::time::Duration::from_secs(5));
    let app = app_for(&jira, false).await;
    let mut visitor = signed_in(&app).await;
    let started = std::time::Instant::now();
    let editor = visitor.get("/admin/subscriptions/new").await;
    assert_eq!(editor.status, 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "waited {:?}", started.elapsed());
    assert!(!editor.has("Staff only"), "the listing is not there yet");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let page = visitor.get("/admin/subscriptions/new").await;
        if page.has("Staff only") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the listing never arrived");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    app.shutdown().await;
}

/// Jira Cloud lists projects a page at a time (SPEC §12.2): every page is read, so a site
/// with more projects than one page still offers them all.
#[tokio::test]
async fn every_page_of_a_cloud_sites_projects_is_read() {
    let jira = FakeJira::start_cloud().await;
    for n in 0..120 {
        jira.add_project(&format!("P{n:03}"), &format!("Project {n}"), &[("10001", "Bug")], &[]);
    }
    let host = "catalog-pages.atlassian.net";
    jirabridge::jira::client::test_hosts::resolve(host, "127.0.0.1:0".parse().unwrap());
    let site = format!("http://{host}:{}", jira.url.rsplit(':').next().unwrap());
    let app = spawn_app_with(|c| {
        c.jira.admin_api_token = jirabridge::config::Secret::new(API_TOKEN.into());
        c.jira.admin_email = EMAIL.into();
    })
    .await;
    let request = json!({"url": site, "type": "cloud", "alias": "corp"});
    let added = app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let body = catalogue(&app, "corp").await;
    assert_eq!(listed(&body, "projects").len(), 120, "every page: {:?}", jira.requests().len());
    let searches = jira.requests().iter().filter(|r| r.contains("/rest/api/3/project/search")).count();
    assert_eq!(searches, 3, "50 a page, as Jira Cloud caps it");
    app.shutdown().await;
}

/// The editor's reference table stops at 500 rows and says how many more the API lists.
#[tokio::test]
async fn a_long_catalogue_keeps_the_editor_short() {
    let jira = a_jira_with_names().await;
    let versions: Vec<(String, String)> = (0..600).map(|n| (format!("{}", 70_000 + n), format!("1.{n}"))).collect();
    let pairs: Vec<(&str, &str)> = versions.iter().map(|(id, name)| (id.as_str(), name.as_str())).collect();
    jira.set_project_list("OPS", "versions", &pairs);
    let app = app_for(&jira, false).await;
    let mut visitor = signed_in(&app).await;
    let editor = visitor.get("/admin/subscriptions/new").await;
    // 5 priorities, 3 statuses, 1 custom field, 1 component, 600 versions, 1 level.
    assert!(editor.has("And 111 more: <code>GET /api/v1/catalog/"), "{}", &editor.body[..editor.body.len().min(500)]);
    // Names sort first by name, and "1.0"… come before every letter: the 500 rows shown are versions.
    assert_eq!(editor.body.matches("<tr><td>Version</td>").count(), 500, "500 rows in all");
    app.shutdown().await;
}
