//! A plugin import's writes in one transaction (issue 19 point 8: an applied import is all
//! or nothing). Each kind is written by the same helper its own `put_*` uses, so an
//! imported record is stored exactly as one made in jirabridge; secrets and credentials are
//! sealed before the transaction starts.

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional;

use super::connections::{seal_connection, write_connection, write_default_instance, SealedConnection};
use super::records::{ChannelId, InstanceRecordV1, RootPostRecordV1, SubscriptionRecordV1};
use super::{codec, Connection, MasterKey, Store, StoreError, StoredSecret};

/// Everything an import writes, in the order it is written.
#[derive(Default)]
pub struct ImportWrites {
    pub instances: Vec<InstanceRecordV1>,
    /// (name, value) in `secret_value`: instances' OAuth settings, the RSA key, webhook secrets.
    pub secrets: Vec<(String, StoredSecret)>,
    pub subscriptions: Vec<SubscriptionRecordV1>,
    pub templates: Vec<SubscriptionRecordV1>,
    pub connections: Vec<Connection>,
    /// (Mattermost user, instance) made the user's default after their connections.
    pub defaults: Vec<(String, String)>,
    /// (instance, issue, channel, root post).
    pub roots: Vec<(String, String, ChannelId, RootPostRecordV1)>,
    /// (record kind, record id, SHA-256 of the record as written): see [`Store::imported_hash`].
    pub hashes: Vec<(String, String, [u8; 32])>,
}

/// The key of a record's hash in `imported_hash`.
fn hash_key(kind: &str, id: &str) -> Vec<u8> {
    [kind.as_bytes(), id.as_bytes()].join(&0u8)
}

impl ImportWrites {
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
            && self.secrets.is_empty()
            && self.subscriptions.is_empty()
            && self.templates.is_empty()
            && self.connections.is_empty()
            && self.defaults.is_empty()
            && self.roots.is_empty()
            && self.hashes.is_empty()
    }
}

impl Store {
    /// The SHA-256 of a record of `kind` as the last plugin import wrote it; `None` when no
    /// import wrote it.
    pub fn imported_hash(&self, kind: &str, id: &str) -> Result<Option<[u8; 32]>, StoreError> {
        match self.trees().imported_hash.get(hash_key(kind, id))? {
            Some(bytes) => Ok(Some(codec::decode(1, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Writes all of `writes` or, when any part fails, none of it; then flushes.
    pub fn apply_import(&self, writes: &ImportWrites, key: &MasterKey) -> Result<(), StoreError> {
        let secrets: Vec<(&str, Vec<u8>)> = writes
            .secrets
            .iter()
            .map(|(name, secret)| Ok((name.as_str(), super::secrets::seal_secret(name, secret, key)?)))
            .collect::<Result<_, StoreError>>()?;
        let connections: Vec<SealedConnection> =
            writes.connections.iter().map(|c| seal_connection(c, key)).collect::<Result<_, _>>()?;
        let roots: Vec<(Vec<u8>, Vec<u8>)> = writes
            .roots
            .iter()
            .map(|(instance, issue, channel, root)| {
                Ok((super::roots::key(instance, issue, channel), codec::encode(RootPostRecordV1::VERSION, root)?))
            })
            .collect::<Result<_, StoreError>>()?;
        let hashes: Vec<(Vec<u8>, Vec<u8>)> = writes
            .hashes
            .iter()
            .map(|(kind, id, hash)| Ok((hash_key(kind, id), codec::encode(1, hash)?)))
            .collect::<Result<_, StoreError>>()?;
        let t = self.trees();
        let trees = [
            &t.instanceid_instance,
            &t.alias_instanceid,
            &t.secret_value,
            &t.subid_subscription,
            &t.channelid_subid,
            &t.templateid_template,
            &t.instance_project_templateid,
            &t.mmuserid_user,
            &t.instance_mmuser_connection,
            &t.instance_jirauser_mmuserid,
            &t.issue_channel_rootpost,
            &t.imported_hash,
        ];
        let gate = self.write_gate()?;
        trees[..].transaction(|views: &Vec<TransactionalTree>| {
            let [instances, aliases, secret_values, subs, by_channel, templates, by_project, users, conns, reverses, root_posts, imported] =
                views.as_slice()
            else {
                unreachable!("one view per tree")
            };
            for record in &writes.instances {
                super::admin_data::write_instance(instances, aliases, record)?;
            }
            for (name, value) in &secrets {
                secret_values.insert(name.as_bytes(), value.as_slice())?;
            }
            #[cfg(feature = "fault-injection")]
            self.faults().import_midway().map_err(ConflictableTransactionError::Abort)?;
            for record in &writes.subscriptions {
                super::admin_data::write_subscription(subs, by_channel, record)?;
            }
            for record in &writes.templates {
                super::templates::write_template(templates, by_project, record)?;
            }
            for sealed in &connections {
                write_connection((users, conns, reverses), sealed)?;
            }
            for (user, instance) in &writes.defaults {
                write_default_instance(users, user, instance)?;
            }
            for (root_key, value) in &roots {
                root_posts.insert(root_key.as_slice(), value.as_slice())?;
            }
            for (hash_key, value) in &hashes {
                imported.insert(hash_key.as_slice(), value.as_slice())?;
            }
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        })?;
        drop(gate);
        self.flush_now()
    }
}
