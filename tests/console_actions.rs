//! Acting from the console on what the outbox holds: a dead delivery retried (and the list
//! saying so when the worker got there first), an event replayed after a confirmation, and a
//! legacy event that was never posted refused on its own page.

use crate::support::app::{spawn_app, CHANNEL, TEAM};
use crate::support::console::signed_in;

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
    let dashboard = visitor.get("/admin/").await;
    assert!(dashboard.has(&format!("<td>{TEAM} / {CHANNEL}</td>")), "the error's channel by name: {}", dashboard.body);
    let id = app.state.store.all_deliveries().unwrap()[0].id;
    // The dashboard's link finds the delivery by id, however many newer ones the list shows.
    let link = format!("/admin/deliveries?id={id}#delivery-{id}");
    assert!(dashboard.has(&format!("href=\"{link}\"")), "{}", dashboard.body);
    let one = visitor.get(&link).await;
    assert!(one.has(&format!("id=\"delivery-{id}\"")) && one.has("Retry now"), "{}", one.body);
    assert!(visitor.get("/admin/deliveries?id=999999").await.has("Delivery #999999 is not stored"));
    app.mm.heal();
    let retried = visitor.submit(&dead, &format!("/admin/deliveries/{id}/retry"), &[("state", "dead")]).await;
    assert_eq!(retried.status, 303);
    let back = retried.location.clone().unwrap();
    assert!(back.starts_with("/admin/deliveries?state=dead&"), "the list as it was filtered: {back}");
    assert!(visitor.get(&back).await.has("Delivery queued to be sent again now."));
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1, "posted after the retry");
    let done = visitor.submit(&dead, &format!("/admin/deliveries/{id}/retry"), &[]).await;
    assert_eq!(done.status, 303, "said on the list, not an error page");
    let told = visitor.get(done.location.as_deref().unwrap()).await;
    assert!(told.has("Not retried: the delivery was posted."), "{}", told.body);
    assert_eq!(app.channel_posts().len(), 1, "a done delivery is not sent twice");

    let event_id = app.state.store.recent_events(1).unwrap()[0].0;
    let event = visitor.get(&format!("/admin/events/{event_id}")).await;
    let replayed = visitor.submit(&event, &format!("/admin/events/{event_id}/replay"), &[]).await;
    assert_eq!(replayed.status, 303);
    assert!(visitor.get(replayed.location.as_deref().unwrap()).await.has("Event replayed"));
    assert!(event.has("data-confirm=\"Route and post this event again?"), "asked first: {}", event.body);
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 2, "the replay posted again");

    // A legacy comment never posted has no channel: the event's page says so.
    app.post_legacy(crate::support::fixtures::own("cloud-comment-created.json")).await;
    let never = app.state.store.recent_events(1).unwrap()[0].0;
    let page = visitor.get(&format!("/admin/events/{never}")).await;
    let refused = visitor.submit(&page, &format!("/admin/events/{never}/replay"), &[]).await;
    assert_eq!(refused.status, 303);
    let told = visitor.get(refused.location.as_deref().unwrap()).await;
    assert!(told.has("Not replayed: this legacy webhook event was never posted"), "{}", told.body);
    app.shutdown().await;
}
