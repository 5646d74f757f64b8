//! Instances, subscriptions and the audit log: small, admin-edited data. Each change and
//! its index entries are written in one transaction, then flushed before the caller answers.

use sled::transaction::{ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree};
use sled::Transactional;

use super::codec::{self, u64_key};
use super::records::{AuditRecordV1, ChannelId, InstanceId, InstanceRecordV1, SubscriptionRecordV1};
use super::{Store, StoreError};

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

fn channel_key(channel_id: &ChannelId, sub_id: &str) -> Vec<u8> {
    [channel_id.as_str().as_bytes(), sub_id.as_bytes()].join(&0u8)
}

impl Store {
    /// Every instance, by id.
    pub fn instances(&self) -> Result<Vec<InstanceRecordV1>, StoreError> {
        let tree = &self.trees().instanceid_instance;
        tree.iter().map(|entry| codec::decode(InstanceRecordV1::VERSION, &entry?.1)).collect()
    }

    /// The instance whose id is `id`: text, as a lookup may try an alias or a path's text.
    pub fn instance(&self, id: &str) -> Result<Option<InstanceRecordV1>, StoreError> {
        match self.trees().instanceid_instance.get(id)? {
            Some(bytes) => Ok(Some(codec::decode(InstanceRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    /// The instance id an alias names.
    pub fn instance_id_for_alias(&self, alias: &str) -> Result<Option<InstanceId>, StoreError> {
        let id = self.trees().alias_instanceid.get(alias)?;
        Ok(id.map(|v| InstanceId::unchecked(String::from_utf8_lossy(&v))))
    }

    /// Stores an instance and its alias index (replacing the old alias), then flushes.
    pub fn put_instance(&self, record: &InstanceRecordV1) -> Result<(), StoreError> {
        let t = self.trees();
        let gate = self.write_gate()?;
        (&t.instanceid_instance, &t.alias_instanceid)
            .transaction(|(instances, aliases)| write_instance(instances, aliases, record))?;
        drop(gate);
        self.flush_now()
    }

    /// Removes an instance and its alias, and what expired connections to it left; answers
    /// whether it existed.
    pub fn delete_instance(&self, id: &InstanceId) -> Result<bool, StoreError> {
        let Some(existing) = self.instance(id.as_str())? else { return Ok(false) };
        self.forget_expired_choices_of_instance(id.as_str())?;
        let t = self.trees();
        let gate = self.write_gate()?;
        (&t.instanceid_instance, &t.alias_instanceid).transaction(|(instances, aliases)| {
            if let Some(alias) = &existing.alias {
                aliases.remove(alias.as_bytes())?;
            }
            instances.remove(id.as_str().as_bytes())?;
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        })?;
        drop(gate);
        self.flush_now()?;
        Ok(true)
    }

    /// Every subscription.
    pub fn subscriptions(&self) -> Result<Vec<SubscriptionRecordV1>, StoreError> {
        let tree = &self.trees().subid_subscription;
        tree.iter().map(|entry| codec::decode(SubscriptionRecordV1::VERSION, &entry?.1)).collect()
    }

    pub fn subscription(&self, id: &str) -> Result<Option<SubscriptionRecordV1>, StoreError> {
        match self.trees().subid_subscription.get(id)? {
            Some(bytes) => Ok(Some(codec::decode(SubscriptionRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Ids of a channel's subscriptions.
    pub fn subscription_ids_in_channel(&self, channel_id: &ChannelId) -> Result<Vec<String>, StoreError> {
        let mut prefix = channel_id.as_str().as_bytes().to_vec();
        prefix.push(0);
        let tree = &self.trees().channelid_subid;
        tree.scan_prefix(&prefix)
            .map(|entry| Ok(String::from_utf8_lossy(&entry?.0[prefix.len()..]).into_owned()))
            .collect()
    }

    /// Stores a subscription and its channel index (moving it if the channel changed).
    pub fn put_subscription(&self, record: &SubscriptionRecordV1) -> Result<(), StoreError> {
        let t = self.trees();
        let gate = self.write_gate()?;
        (&t.subid_subscription, &t.channelid_subid)
            .transaction(|(subs, by_channel)| write_subscription(subs, by_channel, record))?;
        drop(gate);
        self.flush_now()
    }

    /// Removes a subscription; answers the removed record.
    pub fn delete_subscription(&self, id: &str) -> Result<Option<SubscriptionRecordV1>, StoreError> {
        let Some(existing) = self.subscription(id)? else { return Ok(None) };
        let t = self.trees();
        let gate = self.write_gate()?;
        (&t.subid_subscription, &t.channelid_subid).transaction(|(subs, by_channel)| {
            by_channel.remove(channel_key(&existing.channel_id, id))?;
            subs.remove(id.as_bytes())?;
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        })?;
        drop(gate);
        self.flush_now()?;
        Ok(Some(existing))
    }

    /// Appends an audit entry.
    pub fn audit(&self, entry: &AuditRecordV1) -> Result<(), StoreError> {
        let id = self.next_id()?;
        let value = codec::encode(AuditRecordV1::VERSION, entry)?;
        self.write_gate_insert(&self.trees().auditid_entry, &u64_key(id), value)?;
        self.flush_now()
    }

    /// The newest audit entries first, at most `limit`, made at or after `since_ms`.
    pub fn audit_entries(&self, since_ms: u64, limit: usize) -> Result<Vec<AuditRecordV1>, StoreError> {
        let mut out = Vec::new();
        for entry in self.trees().auditid_entry.iter().rev() {
            let record: AuditRecordV1 = codec::decode(AuditRecordV1::VERSION, &entry?.1)?;
            if record.at_ms < since_ms || out.len() >= limit {
                break;
            }
            out.push(record);
        }
        Ok(out)
    }
}

/// Inside a transaction: an instance and its alias index, the old alias dropped.
pub(super) fn write_instance(
    instances: &TransactionalTree,
    aliases: &TransactionalTree,
    record: &InstanceRecordV1,
) -> ConflictableTransactionResult<(), StoreError> {
    if let Some(old) = instances.get(record.id.as_str().as_bytes())? {
        let old: InstanceRecordV1 = codec::decode(InstanceRecordV1::VERSION, &old).map_err(abort)?;
        if let Some(alias) = &old.alias {
            aliases.remove(alias.as_bytes())?;
        }
    }
    if let Some(alias) = &record.alias {
        aliases.insert(alias.as_bytes(), record.id.as_str().as_bytes())?;
    }
    let value = codec::encode(InstanceRecordV1::VERSION, record).map_err(abort)?;
    instances.insert(record.id.as_str().as_bytes(), value)?;
    Ok(())
}

/// Inside a transaction: a subscription and its channel index, moved if its channel changed.
pub(super) fn write_subscription(
    subs: &TransactionalTree,
    by_channel: &TransactionalTree,
    record: &SubscriptionRecordV1,
) -> ConflictableTransactionResult<(), StoreError> {
    if let Some(old) = subs.get(record.id.as_bytes())? {
        let old: SubscriptionRecordV1 = codec::decode(SubscriptionRecordV1::VERSION, &old).map_err(abort)?;
        by_channel.remove(channel_key(&old.channel_id, &old.id))?;
    }
    by_channel.insert(channel_key(&record.channel_id, &record.id), &[][..])?;
    let value = codec::encode(SubscriptionRecordV1::VERSION, record).map_err(abort)?;
    subs.insert(record.id.as_bytes(), value)?;
    Ok(())
}
