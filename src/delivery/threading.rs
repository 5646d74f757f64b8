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

/// Makes a new top-level post the issue's root in the channel.
pub fn remember_root(
    store: &Store,
    thread: Option<&ThreadRecordV1>,
    channel_id: &ChannelId,
    post_id: &str,
    now_ms: u64,
) -> Result<(), StoreError> {
    let Some(t) = thread else { return Ok(()) };
    let root = RootPostRecordV1::new(post_id, now_ms + u64::from(t.root_days) * DAY_MS);
    store.put_root(&t.instance_id, &t.issue_id, channel_id, &root)
}
