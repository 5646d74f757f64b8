//! What subscription filters last saw of each issue (SPEC §4.5), kept outside event
//! retention. Jira Cloud sends comment events with only a few of the issue's fields and no
//! security level; they are routed with the facts of the last full payload of that issue,
//! or of the issue as Jira answered when a comment's routing read it. Written together with
//! that payload's event (`store_batch`), or with the comment's routing, read when a partial
//! one comes.

use super::codec;
use super::records::{InstanceId, IssueFactsRecordV1};
use super::{Store, StoreError};

/// `instance 0x00 issue id`.
pub(super) fn key(instance_id: &InstanceId, issue_id: &str) -> Vec<u8> {
    let instance_id = instance_id.as_str();
    let mut key = Vec::with_capacity(instance_id.len() + issue_id.len() + 1);
    key.extend_from_slice(instance_id.as_bytes());
    key.push(0);
    key.extend_from_slice(issue_id.as_bytes());
    key
}

/// Whether `record` is newer than the facts kept under `key` (by the payload's time): a
/// webhook Jira sends again after a refusal must not undo a later change, such as a
/// security level set since.
pub(super) fn is_newer(t: &super::Trees, key: &[u8], record: &IssueFactsRecordV1) -> bool {
    match t.issue_facts.get(key) {
        Ok(Some(bytes)) => codec::decode::<IssueFactsRecordV1>(IssueFactsRecordV1::VERSION, &bytes)
            .map_or(true, |kept| record.seen_at_ms >= kept.seen_at_ms),
        _ => true,
    }
}

impl Store {
    /// The facts last seen of `issue_id` in `instance_id`, if any payload gave them.
    pub fn issue_facts(
        &self,
        instance_id: &InstanceId,
        issue_id: &str,
    ) -> Result<Option<IssueFactsRecordV1>, StoreError> {
        match self.trees().issue_facts.get(key(instance_id, issue_id))? {
            Some(bytes) => Ok(Some(codec::decode(IssueFactsRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }
}
