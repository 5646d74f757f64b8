//! The console's dashboard: what it offers beyond the figures (SPEC §3.4).

use crate::support::app::{spawn_app, SECRET};
use crate::support::console::signed_in;

/// SPEC §3.2: a firehose webhook from a Jira no instance is added for is stored `unrouted`,
/// and the dashboard offers to add that Jira, with the instance form filled in.
#[tokio::test]
async fn the_dashboard_offers_to_add_the_jira_unrouted_webhooks_came_from() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    assert!(!visitor.get("/admin/").await.has("Webhooks from a Jira that is not added"));
    let url = format!("{}/api/v2/webhook?secret={SECRET}", app.address);
    for n in 0..2u64 {
        let body = String::from_utf8(crate::support::fixtures::own("cloud-issue-created.json")).unwrap();
        // Two webhooks, not one repeated: the second differs in its timestamp.
        let body = body.replace("1764072000000", &(1_764_072_000_000 + n).to_string());
        assert_eq!(app.post(&url, body).await.status(), 200);
    }
    let dashboard = visitor.get("/admin/").await;
    assert!(dashboard.has("Webhooks from a Jira that is not added"), "{}", dashboard.body);
    assert!(dashboard.has("<li>2 from <code>https://acme.atlassian.net</code>"), "{}", dashboard.body);
    let link = "/admin/instances?url=https%3A%2F%2Facme.atlassian.net";
    assert!(dashboard.has(&format!("href=\"{link}\"")), "{}", dashboard.body);
    let form = visitor.get(link).await;
    assert!(form.has("value=\"https://acme.atlassian.net\""), "{}", form.body);
    app.shutdown().await;
}
