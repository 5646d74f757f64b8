//! Subscriptions held for matching, indexed instance → project → event so that a webhook
//! only looks at subscriptions that could want it (SPEC §6.5: cost must not grow with
//! subscriptions that cannot match).

use std::collections::{BTreeSet, HashMap};

use super::facts::IssueFacts;
use super::matching::{covered_by_any, matches, MatchSettings};
use super::model::{Subscription, UPDATED_ANY};
use crate::ids::InstanceId;

#[derive(Debug, Default)]
pub struct SubscriptionIndex {
    by_id: HashMap<String, Subscription>,
    instances: HashMap<InstanceId, InstanceIndex>,
}

#[derive(Debug, Default)]
struct InstanceIndex {
    projects: HashMap<String, EventIndex>,
    /// Subscriptions without projects (imported data) want every project.
    any_project: EventIndex,
}

/// Event name → subscription ids; `event_updated_any` is a key like the others, so it
/// stays per project too.
#[derive(Debug, Default)]
struct EventIndex(HashMap<String, BTreeSet<String>>);

impl SubscriptionIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `sub`, replacing a subscription with the same id.
    pub fn insert(&mut self, sub: Subscription) {
        self.remove(&sub.id);
        let instance = self.instances.entry(sub.instance_id.clone()).or_default();
        for project in project_slots(&sub) {
            let events = instance.events_mut(project);
            for event in &sub.filters.events {
                events.0.entry(event.to_ascii_lowercase()).or_default().insert(sub.id.clone());
            }
        }
        self.by_id.insert(sub.id.clone(), sub);
    }

    pub fn remove(&mut self, id: &str) -> Option<Subscription> {
        let sub = self.by_id.remove(id)?;
        if let Some(instance) = self.instances.get_mut(&sub.instance_id) {
            instance.forget(&sub);
            if instance.is_empty() {
                self.instances.remove(&sub.instance_id);
            }
        }
        Some(sub)
    }

    pub fn get(&self, id: &str) -> Option<&Subscription> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Subscription> {
        self.by_id.values()
    }

    /// Subscriptions that match, in name order; candidates come from the index, then
    /// `matches` decides.
    pub fn matching(
        &self,
        instance_id: &InstanceId,
        events: &[String],
        facts: &IssueFacts,
        settings: MatchSettings,
    ) -> Vec<&Subscription> {
        let Some(instance) = self.instances.get(instance_id) else {
            return Vec::new();
        };
        let mut ids = BTreeSet::new();
        let tables = [instance.projects.get(&facts.project_key), Some(&instance.any_project)];
        for table in tables.into_iter().flatten() {
            table.candidates(events, &mut ids);
        }
        let mut found: Vec<&Subscription> = ids
            .into_iter()
            .filter_map(|id| self.by_id.get(id))
            .filter(|s| matches(s, events, facts, settings))
            .collect();
        found.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        found
    }
}

/// The project keys a subscription is filed under; `None` is "any project".
fn project_slots(sub: &Subscription) -> Vec<Option<&str>> {
    if sub.filters.projects.is_empty() {
        vec![None]
    } else {
        sub.filters.projects.iter().map(|p| Some(p.as_str())).collect()
    }
}

impl InstanceIndex {
    fn events_mut(&mut self, project: Option<&str>) -> &mut EventIndex {
        match project {
            Some(key) => self.projects.entry(key.to_string()).or_default(),
            None => &mut self.any_project,
        }
    }

    fn forget(&mut self, sub: &Subscription) {
        for project in project_slots(sub) {
            self.events_mut(project).forget(sub);
            if let Some(key) = project.filter(|key| self.projects.get(*key).is_some_and(|t| t.0.is_empty())) {
                self.projects.remove(key);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.projects.is_empty() && self.any_project.0.is_empty()
    }
}

impl EventIndex {
    fn forget(&mut self, sub: &Subscription) {
        for event in sub.filters.events.iter().map(|e| e.to_ascii_lowercase()) {
            if let Some(ids) = self.0.get_mut(&event) {
                ids.remove(&sub.id);
                if ids.is_empty() {
                    self.0.remove(&event);
                }
            }
        }
    }

    fn candidates<'a>(&'a self, events: &[String], ids: &mut BTreeSet<&'a str>) {
        let any = events.iter().any(|e| covered_by_any(e)).then_some(UPDATED_ANY);
        for event in events.iter().map(String::as_str).chain(any) {
            ids.extend(self.0.get(event).into_iter().flatten().map(String::as_str));
        }
    }
}
