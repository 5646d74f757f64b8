//! Comments as thread replies under the issue's first post in the channel (SPEC §5.8).

use jirabridge::ids::ChannelId;
use jirabridge::store::records::RootPostRecordV1;

use crate::support::app::{spawn_app, spawn_app_with, TestApp};
use crate::support::fixtures::own;

const COMMENTS: &str = "&updated_comments=1";

fn comment(id: &str, text: &str) -> String {
    String::from_utf8(own("cloud-comment-created.json"))
        .unwrap()
        .replace("40001", id)
        .replace("Reproduced on node b.", text)
}

async fn send(app: &TestApp, body: impl Into<reqwest::Body>) {
    assert_eq!(app.post(&app.legacy_url(COMMENTS), body).await.status(), 200);
    app.deliver().await;
}

#[tokio::test]
async fn comments_reply_under_the_issue_post() {
    let app = spawn_app().await;
    send(&app, own("cloud-issue-created.json")).await;
    send(&app, comment("40001", "first")).await;
    send(&app, comment("40002", "second")).await;
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[0].root_id, "");
    assert_eq!(posts[1].root_id, posts[0].id);
    assert_eq!(posts[2].root_id, posts[0].id);
}

#[tokio::test]
async fn a_first_comment_starts_the_thread() {
    let app = spawn_app().await;
    send(&app, comment("40001", "first")).await;
    send(&app, comment("40002", "second")).await;
    let posts = app.channel_posts();
    assert_eq!(posts[0].root_id, "");
    assert_eq!(posts[1].root_id, posts[0].id);
}

#[tokio::test]
async fn zero_days_turns_threading_off() {
    let app = spawn_app_with(|c| c.mattermost.threaded_comment_days = 0).await;
    send(&app, own("cloud-issue-created.json")).await;
    send(&app, comment("40001", "first")).await;
    assert!(app.channel_posts().iter().all(|p| p.root_id.is_empty()));
}

#[tokio::test]
async fn a_root_mattermost_no_longer_has_is_replaced() {
    let app = spawn_app().await;
    let gone = RootPostRecordV1 { post_id: "zzzzzzzzzzzzzzzzzzzzzzzzzz".into(), expires_at_ms: u64::MAX };
    let channel = ChannelId::parse(&app.channel_id).unwrap();
    app.state.store.put_root("", "20017", &channel, &gone).unwrap();
    send(&app, comment("40001", "first")).await;
    send(&app, comment("40002", "second")).await;
    let posts = app.channel_posts();
    assert_eq!(posts.len(), 2, "posted at the top level instead of failing");
    assert_eq!(posts[0].root_id, "");
    assert_eq!(posts[1].root_id, posts[0].id, "the new post became the root");
}

#[tokio::test]
async fn other_updates_are_never_threaded() {
    let app = spawn_app().await;
    send(&app, own("cloud-issue-created.json")).await;
    let resolved = String::from_utf8(own("server-issue-resolved.json")).unwrap().replace("55121", "20017");
    send(&app, resolved).await;
    assert!(app.channel_posts().iter().all(|p| p.root_id.is_empty()));
}
