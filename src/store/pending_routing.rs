//! Events stored before they could be routed (SPEC §4.5, §4.6): a Jira Cloud comment waits
//! for its issue to be fetched from Jira, and the events of the same instance received after
//! it wait behind it, so each channel still gets them in receipt order. The marker is
//! written in the ingest batch before the event itself (a crash can leave a marker without
//! its event, which is dropped, never an unrouted event without its marker) and removed in
//! the transaction that adds the event's deliveries.

use super::codec::{self, u64_key};
use super::records::{InstanceId, IssueFactsRecordV1};
use super::{NewIssueFacts, Store, StoreError};

impl Store {
    /// Every event waiting to be routed, oldest first, with its instance id.
    pub fn pending_routing(&self) -> Result<Vec<(u64, InstanceId)>, StoreError> {
        let mut pending = Vec::new();
        for entry in self.trees().pendingevent_instanceid.iter() {
            let (key, value) = entry?;
            let Some(event_id) = codec::read_u64(&key) else { continue };
            pending.push((event_id, InstanceId::unchecked(String::from_utf8_lossy(&value))));
        }
        Ok(pending)
    }

    /// Forgets the marker of an event that is no longer stored (retention removed it).
    pub fn forget_pending_routing(&self, event_id: u64) -> Result<(), StoreError> {
        let _gate = self.write_gate()?;
        self.trees().pendingevent_instanceid.remove(u64_key(event_id))?;
        Ok(())
    }

    /// Keeps the facts a routed payload gave of its issue, unless newer ones are kept.
    pub fn keep_issue_facts(&self, facts: NewIssueFacts, event_id: u64) -> Result<(), StoreError> {
        let NewIssueFacts { instance_id, issue_id, mut record } = facts;
        record.event_id = event_id;
        let key = super::issue_facts::key(&instance_id, &issue_id);
        if super::issue_facts::is_newer(self.trees(), &key, &record) {
            self.write_gate_insert(
                &self.trees().issue_facts,
                &key,
                codec::encode(IssueFactsRecordV1::VERSION, &record)?,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::{RoutingKind, RoutingStatus};
    use crate::store::test_events::{sample_delivery, sample_event};
    use crate::store::IngestOutcome;

    #[test]
    fn a_waiting_event_keeps_its_marker_across_a_reopen_until_it_is_routed() {
        let dir = tempfile::tempdir().unwrap();
        let event_id = {
            let store = Store::open(dir.path(), &Default::default()).unwrap();
            let mut waiting = sample_event(1, 100, 0);
            waiting.record.status = RoutingStatus::new(RoutingKind::RoutingPending);
            waiting.record.instance_id = Some(InstanceId::unchecked("https://acme.atlassian.net"));
            store.ingest(sample_event(2, 90, 0), vec![]).unwrap();
            let IngestOutcome::Stored { event_id, .. } = store.ingest(waiting, vec![]).unwrap() else { panic!() };
            store.flush_now().unwrap();
            event_id
        };
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        assert_eq!(store.pending_routing().unwrap(), [(event_id, InstanceId::unchecked("https://acme.atlassian.net"))]);
        let mut routed = store.event(event_id).unwrap().unwrap();
        routed.status = RoutingStatus::new(RoutingKind::Routed);
        store.add_deliveries(event_id, &routed, vec![sample_delivery("ch:c", 1)]).unwrap();
        assert!(store.pending_routing().unwrap().is_empty());
        assert_eq!(store.event(event_id).unwrap().unwrap().status, RoutingStatus::new(RoutingKind::Routed));
    }
}
