//! Comment threading at delivery time (SPEC §5.8): a comment replies under the issue's live
//! root post in the channel; the first post about an issue (created or comment) becomes the
//! root for `threaded_comment_days`.

use crate::ids::ChannelId;
use crate::store::records::{RootPostRecordV1, ThreadRecordV1};
use crate::store::{Store, StoreError};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// The root to reply under, for a comment delivery with a live root.
pub fn reply_root(
    store: &Store,
    thread: Option<&ThreadRecordV1>,
    channel_id: &ChannelId,
    now_ms: u64,
) -> Result<Option<String>, StoreError> {
    match thread {
        Some(t) if t.is_comment => store.live_root(&t.instance_id, &t.issue_id, channel_id, now_ms),
        _ => Ok(None),
    }
}

/// Makes a new top-level post the issue's root in the channel. A comment's top-level post
/// had no root to reply under (or Mattermost no longer had it), so it always becomes the
/// root; a created post only when the issue has no live root there (a created webhook
/// arriving late, or retried, after a comment).
pub fn remember_root(
    store: &Store,
    thread: Option<&ThreadRecordV1>,
    channel_id: &ChannelId,
    post_id: &str,
    now_ms: u64,
) -> Result<(), StoreError> {
    let Some(t) = thread else { return Ok(()) };
    if !t.is_comment && store.live_root(&t.instance_id, &t.issue_id, channel_id, now_ms)?.is_some() {
        return Ok(());
    }
    let root = RootPostRecordV1::new(post_id, now_ms + u64::from(t.root_days) * DAY_MS);
    store.put_root(&t.instance_id, &t.issue_id, channel_id, &root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_created_post_leaves_the_live_root_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let channel = ChannelId::unchecked("c");
        let comment = ThreadRecordV1::new("https://jira".into(), "10".into(), true, 30);
        let created = ThreadRecordV1 { is_comment: false, ..comment.clone() };
        remember_root(&store, Some(&comment), &channel, "comment-post", 1_000).unwrap();
        remember_root(&store, Some(&created), &channel, "created-post", 2_000).unwrap();
        assert_eq!(reply_root(&store, Some(&comment), &channel, 3_000).unwrap().as_deref(), Some("comment-post"));
        // A comment posted at the top level (its root was gone) takes over.
        remember_root(&store, Some(&comment), &channel, "new-root", 4_000).unwrap();
        assert_eq!(reply_root(&store, Some(&comment), &channel, 5_000).unwrap().as_deref(), Some("new-root"));
    }
}
