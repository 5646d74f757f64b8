//! Subscription templates (SPEC §6.4): rules kept per (instance, project), to start new
//! subscriptions from. Stored in the subscription record shape.

use sled::transaction::{ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree};
use sled::Transactional;

use super::codec;
use super::records::{InstanceId, SubscriptionRecordV1};
use super::{Store, StoreError};

fn project_key(record: &SubscriptionRecordV1) -> Vec<u8> {
    let project = record.projects.first().map(String::as_str).unwrap_or("");
    [record.instance_id.as_str().as_bytes(), project.as_bytes(), record.id.as_bytes()].join(&0u8)
}

impl Store {
    pub fn templates(&self) -> Result<Vec<SubscriptionRecordV1>, StoreError> {
        let tree = &self.trees().templateid_template;
        tree.iter().map(|entry| codec::decode(SubscriptionRecordV1::VERSION, &entry?.1)).collect()
    }

    pub fn template(&self, id: &str) -> Result<Option<SubscriptionRecordV1>, StoreError> {
        match self.trees().templateid_template.get(id)? {
            Some(bytes) => Ok(Some(codec::decode(SubscriptionRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Ids of the templates of (instance, project).
    pub fn template_ids_for_project(&self, instance_id: &InstanceId, project: &str) -> Result<Vec<String>, StoreError> {
        let mut prefix = [instance_id.as_str().as_bytes(), project.as_bytes()].join(&0u8);
        prefix.push(0);
        let tree = &self.trees().instance_project_templateid;
        tree.scan_prefix(&prefix)
            .map(|entry| Ok(String::from_utf8_lossy(&entry?.0[prefix.len()..]).into_owned()))
            .collect()
    }

    /// Stores a template and its (instance, project) index entry, then flushes.
    pub fn put_template(&self, record: &SubscriptionRecordV1) -> Result<(), StoreError> {
        let t = self.trees();
        let gate = self.write_gate()?;
        (&t.templateid_template, &t.instance_project_templateid)
            .transaction(|(templates, by_project)| write_template(templates, by_project, record))?;
        drop(gate);
        self.flush_now()
    }

    pub fn delete_template(&self, id: &str) -> Result<Option<SubscriptionRecordV1>, StoreError> {
        let Some(existing) = self.template(id)? else { return Ok(None) };
        let t = self.trees();
        let gate = self.write_gate()?;
        (&t.templateid_template, &t.instance_project_templateid).transaction(|(templates, by_project)| {
            by_project.remove(project_key(&existing))?;
            templates.remove(id.as_bytes())?;
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        })?;
        drop(gate);
        self.flush_now()?;
        Ok(Some(existing))
    }
}
/// Inside a transaction: a template and its (instance, project) index entry.
pub(super) fn write_template(
    templates: &TransactionalTree,
    by_project: &TransactionalTree,
    record: &SubscriptionRecordV1,
) -> ConflictableTransactionResult<(), StoreError> {
    if let Some(old) = templates.get(record.id.as_bytes())? {
        let old: SubscriptionRecordV1 =
            codec::decode(SubscriptionRecordV1::VERSION, &old).map_err(ConflictableTransactionError::Abort)?;
        by_project.remove(project_key(&old))?;
    }
    by_project.insert(project_key(record), &[][..])?;
    let value = codec::encode(SubscriptionRecordV1::VERSION, record).map_err(ConflictableTransactionError::Abort)?;
    templates.insert(record.id.as_bytes(), value)?;
    Ok(())
}
