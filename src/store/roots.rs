//! Root posts of comment threads: per (instance, issue id, channel), with an expiry.

use super::codec;
use super::records::{ChannelId, RootPostRecordV1};
use super::{Store, StoreError};

pub(super) fn key(instance_id: &str, issue_id: &str, channel_id: &ChannelId) -> Vec<u8> {
    [instance_id.as_bytes(), issue_id.as_bytes(), channel_id.as_str().as_bytes()].join(&0u8)
}

impl Store {
    /// The issue's root post in the channel, if one is stored and not expired at `now_ms`.
    pub fn live_root(
        &self,
        instance_id: &str,
        issue_id: &str,
        channel_id: &ChannelId,
        now_ms: u64,
    ) -> Result<Option<String>, StoreError> {
        let Some(bytes) = self.trees().issue_channel_rootpost.get(key(instance_id, issue_id, channel_id))? else {
            return Ok(None);
        };
        let root: RootPostRecordV1 = codec::decode(RootPostRecordV1::VERSION, &bytes)?;
        Ok((root.expires_at_ms > now_ms).then_some(root.post_id))
    }

    /// Records `post_id` as the issue's root post in the channel until `expires_at_ms`.
    pub fn put_root(
        &self,
        instance_id: &str,
        issue_id: &str,
        channel_id: &ChannelId,
        root: &RootPostRecordV1,
    ) -> Result<(), StoreError> {
        let value = codec::encode(RootPostRecordV1::VERSION, root)?;
        let _gate = self.write_gate()?;
        self.trees().issue_channel_rootpost.insert(key(instance_id, issue_id, channel_id), value)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_is_live_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let (c, other) = (ChannelId::unchecked("c"), ChannelId::unchecked("other"));
        assert_eq!(store.live_root("", "10", &c, 0).unwrap(), None);
        store.put_root("", "10", &c, &RootPostRecordV1 { post_id: "p".into(), expires_at_ms: 100 }).unwrap();
        assert_eq!(store.live_root("", "10", &c, 99).unwrap().as_deref(), Some("p"));
        assert_eq!(store.live_root("", "10", &c, 100).unwrap(), None);
        assert_eq!(store.live_root("", "10", &other, 0).unwrap(), None);
    }
}
