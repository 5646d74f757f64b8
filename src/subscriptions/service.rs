//! Creating, changing and removing subscriptions: validation (SPEC §6.2, console/API
//! variant), the checks that need Mattermost or the store, the stored record, the in-memory
//! index and the audit log move together. Shared by the admin API and the console.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use super::index::SubscriptionIndex;
use super::matching::MatchSettings;
use super::model::Subscription;
use super::stored::{self, Meta};
use super::validate::validate;
use crate::ids::{ChannelId, InstanceId};
use crate::mattermost::{MattermostClient, MmError};
use crate::store::records::SubscriptionState;
use crate::store::records::{AuditRecordV1, SubscriptionRecordV1};
use crate::store::{Store, StoreError};
use crate::utc::now_ms;

#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("the subscription is not valid")]
    Invalid(BTreeMap<String, String>),
    #[error("failed to find existing subscription: could not find subscription")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(path: &str, message: impl Into<String>) -> SubscriptionError {
    SubscriptionError::Invalid(BTreeMap::from([(path.to_string(), message.into())]))
}

/// Subscriptions route events; templates (SPEC §6.4) are rules kept per (instance,
/// project) to start subscriptions from. Both share validation and storage shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Subscription,
    Template,
}

impl RuleKind {
    fn noun(self) -> &'static str {
        match self {
            RuleKind::Subscription => "subscription",
            RuleKind::Template => "template",
        }
    }
}

/// What the operations need. Owned, so the store work can move to a blocking thread
/// ([`Store::run`]): no async worker waits inside sled.
#[derive(Clone)]
pub struct Subscriptions {
    pub kind: RuleKind,
    pub store: Store,
    pub index: Arc<RwLock<SubscriptionIndex>>,
    pub mattermost: MattermostClient,
    pub security_level_empty: bool,
    /// Who acts: `api`, an admin name, or `mm:<user id>` (audit log).
    pub actor: String,
}

impl Subscriptions {
    pub async fn create(&self, sub: Subscription) -> Result<SubscriptionRecordV1, SubscriptionError> {
        self.put(None, sub).await
    }

    pub async fn update(&self, id: &str, sub: Subscription) -> Result<SubscriptionRecordV1, SubscriptionError> {
        self.put(Some(id.to_string()), sub).await
    }

    pub async fn delete(&self, id: &str) -> Result<SubscriptionRecordV1, SubscriptionError> {
        let (this, id) = (self.clone(), id.to_string());
        self.store.run(move |store| this.remove(store, &id)).await
    }

    /// Creates (`id` = None) or replaces a rule: the checks of §6.2 in order (the store's
    /// part on a blocking thread before and after Mattermost is asked about the channel),
    /// then the record, the index and the audit log.
    async fn put(&self, id: Option<String>, mut sub: Subscription) -> Result<SubscriptionRecordV1, SubscriptionError> {
        let this = self.clone();
        let (sub, existing) = self
            .store
            .run(move |store| {
                let existing = this.checks_before_channel(store, id.as_deref(), &mut sub)?;
                Ok::<_, SubscriptionError>((sub, existing))
            })
            .await?;
        self.check_channel(&sub.channel_id).await?;
        let this = self.clone();
        self.store.run(move |store| this.save_checked(store, sub, existing)).await
    }

    /// For an update, the rule must exist and the body's id match the path's; then the pure
    /// rules and the instance. Answers the rule being replaced.
    fn checks_before_channel(
        &self,
        store: &Store,
        id: Option<&str>,
        sub: &mut Subscription,
    ) -> Result<Option<SubscriptionRecordV1>, SubscriptionError> {
        let existing = match id {
            None => None,
            Some(id) => {
                let existing = self.find(store, id)?.ok_or(SubscriptionError::NotFound)?;
                if sub.id.is_empty() {
                    sub.id = id.to_string();
                } else if sub.id != id {
                    return Err(invalid("id", "the id in the body differs from the id in the path"));
                }
                Some(existing)
            }
        };
        if let Err(errors) = validate(sub, existing.is_none(), self.security_level_empty) {
            return Err(SubscriptionError::Invalid(errors.into_iter().map(|e| (e.path, e.message)).collect()));
        }
        if store.instance(sub.instance_id.as_str())?.is_none() {
            return Err(invalid("instance_id", format!("unknown Jira instance {:?}", sub.instance_id)));
        }
        Ok(existing)
    }

    /// The checks after the channel's (the name), then the stored record, index and audit.
    fn save_checked(
        &self,
        store: &Store,
        mut sub: Subscription,
        existing: Option<SubscriptionRecordV1>,
    ) -> Result<SubscriptionRecordV1, SubscriptionError> {
        self.check_name(store, &sub)?;
        let now = now_ms();
        let meta = match &existing {
            // An edit clears a broken state: the admin has looked at it.
            Some(existing) => Meta {
                state: SubscriptionState::Active,
                broken_reason: None,
                updated_at_ms: now,
                ..stored::meta_of(existing)
            },
            None => {
                sub.id = new_id();
                Meta {
                    state: SubscriptionState::Active,
                    broken_reason: None,
                    created_at_ms: now,
                    updated_at_ms: now,
                    created_by: self.actor.clone(),
                }
            }
        };
        let record = stored::to_record(&sub, meta);
        let action = if existing.is_some() { "update" } else { "add" };
        self.save(store, &record, existing.as_ref(), action)?;
        Ok(record)
    }

    fn remove(&self, store: &Store, id: &str) -> Result<SubscriptionRecordV1, SubscriptionError> {
        let removed = match self.kind {
            RuleKind::Subscription => store.delete_subscription(id)?,
            RuleKind::Template => store.delete_template(id)?,
        };
        let removed = removed.ok_or(SubscriptionError::NotFound)?;
        if self.kind == RuleKind::Subscription {
            self.index.write().unwrap_or_else(|p| p.into_inner()).remove(id);
        }
        self.audit(store, "remove", id, Some(&removed), None)?;
        Ok(removed)
    }

    fn save(
        &self,
        store: &Store,
        record: &SubscriptionRecordV1,
        before: Option<&SubscriptionRecordV1>,
        action: &str,
    ) -> Result<(), SubscriptionError> {
        if self.kind == RuleKind::Template {
            store.put_template(record)?;
            return self.audit(store, action, &record.id, before, Some(record));
        }
        store.put_subscription(record)?;
        let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
        index.remove(&record.id);
        index.insert(stored::from_record(record));
        drop(index);
        self.audit(store, action, &record.id, before, Some(record))
    }

    fn audit(
        &self,
        store: &Store,
        action: &str,
        target: &str,
        before: Option<&SubscriptionRecordV1>,
        after: Option<&SubscriptionRecordV1>,
    ) -> Result<(), SubscriptionError> {
        let entry = AuditRecordV1::new(
            self.actor.as_str(),
            format!("{}.{action}", self.kind.noun()),
            target,
            before.map(|r| stored::to_json(r).to_string()),
            after.map(|r| stored::to_json(r).to_string()),
            now_ms(),
        );
        Ok(store.audit(&entry)?)
    }

    /// A template's name is short, and a rule's name unique in its scope.
    fn check_name(&self, store: &Store, sub: &Subscription) -> Result<(), SubscriptionError> {
        if self.kind == RuleKind::Template && sub.name.len() >= 100 {
            return Err(invalid("name", "please provide a name less than 100 characters"));
        }
        for other in self.same_scope(store, sub)?.into_iter().filter(|other| other.id != sub.id) {
            if other.name == sub.name {
                let noun = if self.kind == RuleKind::Template { "Template" } else { "Subscription" };
                let message = format!("{noun} name, '{}', already exists. Please choose another name.", sub.name);
                return Err(invalid("name", message));
            }
        }
        Ok(())
    }

    fn find(&self, store: &Store, id: &str) -> Result<Option<SubscriptionRecordV1>, StoreError> {
        match self.kind {
            RuleKind::Subscription => store.subscription(id),
            RuleKind::Template => store.template(id),
        }
    }

    /// Rules whose names must differ from `sub`'s: a subscription's in its channel and
    /// instance, a template's in its instance and project.
    fn same_scope(&self, store: &Store, sub: &Subscription) -> Result<Vec<SubscriptionRecordV1>, StoreError> {
        let ids = match self.kind {
            RuleKind::Subscription => store.subscription_ids_in_channel(&sub.channel_id)?,
            RuleKind::Template => {
                let project = sub.filters.projects.iter().next().map(String::as_str).unwrap_or("");
                store.template_ids_for_project(&sub.instance_id, project)?
            }
        };
        let records = ids.iter().map(|id| self.find(store, id)).collect::<Result<Vec<_>, _>>()?;
        Ok(records
            .into_iter()
            .flatten()
            .filter(|r| self.kind == RuleKind::Template || r.instance_id == sub.instance_id)
            .collect())
    }

    async fn check_channel(&self, channel_id: &ChannelId) -> Result<(), SubscriptionError> {
        match self.mattermost.channel(channel_id).await {
            Ok(channel) if channel.channel_type == "D" || channel.channel_type == "G" => {
                Err(invalid("channel_id", "subscriptions are not allowed in direct message or group message channels"))
            }
            Ok(channel) if channel.delete_at > 0 => Err(invalid("channel_id", "unknown channel")),
            Ok(_) => Ok(()),
            Err(MmError::Status { status: 404 | 403, .. }) => Err(invalid("channel_id", "unknown channel")),
            // Mattermost cannot be asked now: keep the admin's word; delivery reports problems.
            Err(e) => {
                tracing::warn!(error = %e, %channel_id, "could not check the subscription's channel with Mattermost");
                Ok(())
            }
        }
    }
}

/// A fresh 26-character id of lowercase letters and digits, like Mattermost's.
pub fn new_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 26];
    if getrandom::getrandom(&mut bytes).is_err() {
        bytes = now_ms().to_be_bytes().repeat(4)[..26].try_into().unwrap_or([7; 26]);
    }
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// Loads every stored subscription into a fresh index (start-up).
pub fn load_index(store: &Store) -> Result<SubscriptionIndex, StoreError> {
    let mut index = SubscriptionIndex::new();
    for record in store.subscriptions()? {
        index.insert(stored::from_record(&record));
    }
    Ok(index)
}

/// The dry run (SPEC §3.5) over the last `last` stored events, with the issue facts the
/// store keeps (a Jira Cloud comment is matched as routing would match it now).
/// For a stored event: each subscription of its instance that left it out, with the reason
/// in words (name, channel id, reason), by subscription name. Empty for an event without an
/// instance.
pub fn left_out_by(
    store: &Store,
    event_id: u64,
    settings: MatchSettings,
) -> Result<Vec<(String, ChannelId, String)>, StoreError> {
    let Some(event) = store.event(event_id)? else { return Ok(Vec::new()) };
    let Some(instance_id) = event.instance_id.clone() else { return Ok(Vec::new()) };
    let events = [(event_id, event)];
    let known = |instance: &InstanceId, issue: &str| store.issue_facts(instance, issue).ok().flatten();
    let mut left_out: Vec<(String, ChannelId, String)> = store
        .subscriptions()?
        .iter()
        .filter(|record| record.instance_id == instance_id)
        .filter_map(|record| {
            let sub = stored::from_record(record);
            let run = super::dry_run::dry_run(&sub, &events, settings, known);
            run.unmatched.into_iter().next().map(|miss| (sub.name.clone(), sub.channel_id.clone(), miss.reason))
        })
        .collect();
    left_out.sort();
    Ok(left_out)
}

pub fn dry_run(
    store: &Store,
    sub: &Subscription,
    last: usize,
    settings: MatchSettings,
) -> Result<super::dry_run::DryRun, StoreError> {
    let events = store.recent_events(last)?;
    let known = |instance: &InstanceId, issue: &str| store.issue_facts(instance, issue).ok().flatten();
    Ok(super::dry_run::dry_run(sub, &events, settings, known))
}
