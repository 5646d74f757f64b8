//! The outbox against a misbehaving Mattermost: retries, Retry-After, dead deliveries,
//! outages, ordering and post length (SPEC §4.6, §11).

use std::time::Duration;

use jirabridge::store::records::DeliveryState;
use jirabridge::utc::now_ms;
use reqwest::StatusCode;

use crate::support::app::{spawn_app, TestApp};
use crate::support::fake_mattermost::Failure;
use crate::support::fixtures::issue_created;

fn states(app: &TestApp) -> Vec<String> {
    app.state.store.all_deliveries().unwrap().into_iter().map(|d| d.record.state.to_string()).collect()
}

/// A worker as a restarted process has it: the same store and Mattermost, no lane checked.
fn worker_of_a_new_process(app: &TestApp) -> std::sync::Arc<jirabridge::delivery::Worker> {
    let state = &app.state;
    std::sync::Arc::new(jirabridge::delivery::Worker::new(
        state.store.clone(),
        state.mattermost.clone(),
        state.channels.clone(),
        state.metrics.clone(),
        state.settings.clone(),
    ))
}

async fn deliver_after_backoff(app: &TestApp) -> usize {
    // Test retries back off by at most a few milliseconds (retry_initial_ms = 1).
    tokio::time::sleep(Duration::from_millis(30)).await;
    app.deliver().await
}

#[tokio::test]
async fn server_errors_are_retried_until_the_post_is_made_once() {
    let app = spawn_app().await;
    app.mm.fail_route("POST", "/api/v4/posts", Failure::Status(503));
    assert_eq!(app.post_legacy(issue_created("OPS-1")).await.status(), StatusCode::OK);
    app.deliver().await;
    deliver_after_backoff(&app).await;
    assert!(app.channel_posts().is_empty());
    assert_eq!(states(&app), ["retrying"]);
    let record = &app.state.store.all_deliveries().unwrap()[0].record;
    assert!(record.attempts >= 2);
    assert!(record.last_error.as_deref().unwrap().contains("503"));
    app.mm.heal();
    deliver_after_backoff(&app).await;
    assert_eq!(app.channel_posts().len(), 1);
    assert_eq!(states(&app), ["done"]);
}

#[tokio::test]
async fn rate_limits_are_honoured_with_retry_after() {
    let app = spawn_app().await;
    app.mm.fail_route("POST", "/api/v4/posts", Failure::RateLimited { retry_after_secs: 30 });
    app.post_legacy(issue_created("OPS-2")).await;
    app.deliver().await;
    let record = &app.state.store.all_deliveries().unwrap()[0].record;
    assert_eq!(record.state, DeliveryState::Retrying);
    assert!(record.due_at_ms >= now_ms() + 25_000, "Retry-After of 30 s must be honoured");
    assert!(record.last_error.as_deref().unwrap().contains("limit exceeded"));
    assert_eq!(deliver_after_backoff(&app).await, 0, "not due before Retry-After");
}

#[tokio::test]
async fn an_archived_channel_makes_a_dead_delivery_with_the_reason() {
    let app = spawn_app().await;
    app.post_legacy(issue_created("OPS-3")).await;
    app.mm.archive_channel(&app.channel_id);
    app.deliver().await;
    let record = &app.state.store.all_deliveries().unwrap()[0].record;
    assert_eq!(record.state, DeliveryState::Dead);
    assert!(
        record.last_error.as_deref().unwrap().contains("archived")
            || record.last_error.as_deref().unwrap().contains("can_not_post")
    );
    assert_eq!(deliver_after_backoff(&app).await, 0, "dead deliveries are not retried");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains(r#"jirabridge_deliveries_total{outcome="dead"} 1"#), "{metrics}");
}

#[tokio::test]
async fn a_bot_that_left_the_channel_makes_a_dead_delivery() {
    let app = spawn_app().await;
    app.post_legacy(issue_created("OPS-4")).await;
    app.mm.set_bot_member(&app.channel_id, false);
    app.deliver().await;
    assert_eq!(states(&app), ["dead"]);
    assert!(app.state.store.all_deliveries().unwrap()[0]
        .record
        .last_error
        .as_deref()
        .unwrap()
        .contains("not a member"));
}

#[tokio::test]
async fn webhooks_are_accepted_while_mattermost_is_down_and_posted_later() {
    let app = spawn_app().await;
    app.mm.stop().await;
    for key in ["OPS-5", "OPS-6", "OPS-7"] {
        assert_eq!(app.post_legacy(issue_created(key)).await.status(), StatusCode::OK);
    }
    app.deliver().await;
    assert_eq!(states(&app), ["retrying", "pending", "pending"], "one lane: later posts wait for the first");
    app.mm.restart().await;
    for _ in 0..5 {
        deliver_after_backoff(&app).await;
    }
    let order: Vec<String> = app
        .channel_posts()
        .iter()
        .map(|p| p.props["attachments"][0]["pretext"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order.len(), 3, "{order:?}");
    for (post, key) in order.iter().zip(["OPS-5", "OPS-6", "OPS-7"]) {
        assert!(post.contains(key), "posts keep receipt order: {order:?}");
    }
}

#[tokio::test]
async fn a_timeout_does_not_double_post() {
    let app = spawn_app().await;
    // Mattermost creates the post but answers after our 2 s timeout.
    app.mm.fail_route("POST", "/api/v4/posts", Failure::Delay(Duration::from_millis(2500)));
    app.post_legacy(issue_created("OPS-8")).await;
    app.deliver().await;
    app.mm.heal();
    // A post whose request got no answer is looked for only after twice the timeout.
    tokio::time::sleep(Duration::from_millis(2700)).await;
    assert_eq!(app.deliver().await, 0, "not re-sent before the recheck delay");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..3 {
        deliver_after_backoff(&app).await;
    }
    assert_eq!(states(&app), ["done"]);
    assert_eq!(app.channel_posts().len(), 1);
}

#[tokio::test]
async fn an_overlong_post_is_shortened_with_a_link_not_refused() {
    let app = spawn_app().await;
    let long_value = "v".repeat(20_000);
    let body = serde_json::json!({
        "webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_updated",
        "user": {"displayName": "Ada"},
        "issue": {"id": "9", "key": "LONG-1", "self": "https://j.example/rest/api/2/issue/9", "fields": {"summary": "s", "issuetype": {"name": "Task"}}},
        "changelog": {"items": [{"field": "Notes", "fieldtype": "custom", "fieldId": "customfield_1", "fromString": "", "toString": long_value}]}
    });
    app.post(&app.legacy_url("&updated_all=1"), body.to_string()).await;
    app.deliver().await;
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 1, "states: {:?}", states(&app));
    assert_eq!(posts[0].message.chars().count(), 16383);
    assert!(posts[0].message.ends_with("(https://j.example/browse/LONG-1)"));
}

/// Outcomes are written without a flush, so a crash can lose the last ones of a lane: a
/// process that starts again finds those posts in the channel instead of posting them twice.
#[tokio::test]
async fn posts_whose_outcome_was_lost_are_found_not_posted_again() {
    let app = spawn_app().await;
    for key in ["OPS-7", "OPS-8"] {
        assert_eq!(app.post_legacy(issue_created(key)).await.status(), StatusCode::OK);
    }
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 2);
    // As after a crash that lost both "done" writes: the records say nothing was posted.
    for delivery in app.state.store.all_deliveries().unwrap() {
        let mut record = delivery.record.clone();
        record.state = DeliveryState::Pending;
        record.post_id = None;
        record.finished_at_ms = None;
        app.state.store.update_delivery(delivery.id, &record).unwrap();
    }
    assert_eq!(app.post_legacy(issue_created("OPS-9")).await.status(), StatusCode::OK);

    let restarted = worker_of_a_new_process(&app);
    restarted.run_once().await.unwrap();
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 3, "OPS-7 and OPS-8 found, OPS-9 posted once");
    assert!(posts[2].props["attachments"][0]["pretext"].as_str().unwrap().contains("OPS-9"));
    assert_eq!(states(&app), ["done", "done", "done"]);
    app.shutdown().await;
}

/// A backlog queued while Mattermost is down drains, once it is back, with every channel's
/// posts in the order their webhooks arrived (many lanes at once, each in order).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_over_many_channels_drains_in_order_per_channel() {
    let app = spawn_app().await;
    let channels: Vec<String> = (0..40).map(|c| app.mm.add_channel(&app.team_id, &format!("feed-{c}"))).collect();
    app.mm.stop().await;
    for n in 0..600 {
        let url = app.legacy_url("").replace("channel=jira-feed", &format!("channel=feed-{}", n % 40));
        let response = app.post(&url, issue_created(&format!("Q-{n}"))).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    app.mm.restart().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while channels.iter().map(|c| app.mm.posts(c).len()).sum::<usize>() < 600 {
        assert!(std::time::Instant::now() < deadline, "the backlog did not drain");
        app.deliver().await;
    }
    for (c, channel) in channels.iter().enumerate() {
        let keys: Vec<usize> = app
            .mm
            .posts(channel)
            .iter()
            .map(|p| {
                let pretext = p.props["attachments"][0]["pretext"].as_str().unwrap();
                let key = pretext.split("Q-").nth(1).unwrap();
                key.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
            })
            .collect();
        let expected: Vec<usize> = (0..600).filter(|n| n % 40 == c).collect();
        assert_eq!(keys, expected, "feed-{c} in receipt order, each once");
    }
    app.shutdown().await;
}

/// A post made while the disk is full cannot get its outcome written: it is not posted again
/// once the store writes again (the lane is searched first).
#[tokio::test]
async fn a_post_whose_outcome_could_not_be_written_is_not_posted_again() {
    let app = spawn_app().await;
    assert_eq!(app.post_legacy(issue_created("OPS-21")).await.status(), StatusCode::OK);
    let faults = app.state.store.faults();
    faults.fail_writes.store(true, std::sync::atomic::Ordering::SeqCst);
    for _ in 0..3 {
        let _ = app.worker.run_once().await; // the post is made, its outcome fails to be written
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    faults.clear();
    app.deliver().await;
    assert_eq!(app.channel_posts().len(), 1, "posted once, however often the worker came by");
    assert_eq!(states(&app), ["done"]);
    app.shutdown().await;
}

/// After a restart the first delivery of each channel is looked for in the channel; a
/// channel that refuses the bot makes it dead at once (and the subscriptions broken), not a
/// recheck that waits for hours.
#[tokio::test]
async fn a_channel_that_refuses_the_search_after_a_restart_makes_the_delivery_dead() {
    let app = spawn_app().await;
    assert_eq!(app.post_legacy(issue_created("OPS-22")).await.status(), StatusCode::OK);
    app.mm.set_bot_member(&app.channel_id, false);
    let restarted = worker_of_a_new_process(&app);
    restarted.run_once().await.unwrap();
    assert_eq!(states(&app), ["dead"]);
    app.shutdown().await;
}
