//! Does one subscription want one webhook? The plugin's rules (SPEC §6.5) plus the safe
//! defaults for security levels and restricted comments. Pure.

use std::collections::BTreeSet;

use super::facts::IssueFacts;
use super::model::{FieldFilter, Inclusion, Subscription, COMMENT_VISIBILITY, SECURITY, UPDATED_ANY, VISIBLE_TO_ALL};
use crate::events::names;

/// The two settings that change matching (SPEC §6.5 "Safe defaults").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchSettings {
    /// `security_level_empty_for_subscriptions`: an issue with a security level reaches only
    /// subscriptions that filter on `security`.
    pub security_level_empty: bool,
    /// `restricted_comments_to_channels`: post group- or role-restricted comments to every
    /// matching subscription, not only to those whose `commentVisibility` filter names them.
    pub restricted_comments_to_channels: bool,
}

impl MatchSettings {
    /// The matching settings in force in `config` (`security.*`).
    pub fn from_config(config: &crate::config::Config) -> MatchSettings {
        MatchSettings {
            security_level_empty: config.security.security_level_empty_for_subscriptions,
            restricted_comments_to_channels: config.security.restricted_comments_to_channels,
        }
    }
}

impl Default for MatchSettings {
    fn default() -> Self {
        MatchSettings { security_level_empty: true, restricted_comments_to_channels: false }
    }
}

/// All of §6.5: event, project, issue type, safe defaults, then every field filter.
pub fn matches(sub: &Subscription, events: &[String], facts: &IssueFacts, settings: MatchSettings) -> bool {
    let filters = &sub.filters;
    wants_event(&filters.events, events)
        && (filters.projects.is_empty() || filters.projects.contains(&facts.project_key))
        && filters.issue_types.contains(&facts.issue_type_id)
        && security_allows(sub, facts, settings)
        && comment_allows(sub, events, facts, settings)
        && filters.fields.iter().all(|filter| passes(filter, events, facts, settings))
}

/// The first of §6.5's tests a rule fails for an event: why it was not posted there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusion {
    Events,
    Project,
    IssueType,
    /// The issue has a security level and the rule names none (the safe default).
    SecurityLevel,
    /// A comment restricted to a group or role, which the rule's audience does not name.
    CommentVisibility,
    /// The field filter at this position, with its key.
    Field {
        index: usize,
        key: String,
    },
}

impl Exclusion {
    /// A short path into the rule, as the API's `excluded_by` gives it.
    pub fn code(&self) -> String {
        match self {
            Exclusion::Events => "filters.events".into(),
            Exclusion::Project => "filters.projects".into(),
            Exclusion::IssueType => "filters.issue_types".into(),
            Exclusion::SecurityLevel => "security_level".into(),
            Exclusion::CommentVisibility => "comment_visibility".into(),
            Exclusion::Field { index, .. } => format!("filters.fields[{index}]"),
        }
    }
}

impl std::fmt::Display for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exclusion::Events => write!(f, "its events are not among the rule's"),
            Exclusion::Project => write!(f, "its project is not among the rule's"),
            Exclusion::IssueType => write!(f, "its issue type is not among the rule's"),
            Exclusion::SecurityLevel => {
                write!(f, "the issue has a security level, and the rule names none (a rule must filter on security to get such issues)")
            }
            Exclusion::CommentVisibility => {
                write!(f, "the comment is restricted to a group or role that the rule's comment visibility filter does not name")
            }
            Exclusion::Field { key, .. } => write!(f, "the field filter on {key} does not accept it"),
        }
    }
}

/// Why `sub` does not take an event (`None`: it does), testing in the order of [`matches`].
/// Kept beside it, and tested against it, so the two cannot disagree.
pub fn excluded_by(
    sub: &Subscription,
    events: &[String],
    facts: &IssueFacts,
    settings: MatchSettings,
) -> Option<Exclusion> {
    let filters = &sub.filters;
    if !wants_event(&filters.events, events) {
        return Some(Exclusion::Events);
    }
    if !(filters.projects.is_empty() || filters.projects.contains(&facts.project_key)) {
        return Some(Exclusion::Project);
    }
    if !filters.issue_types.contains(&facts.issue_type_id) {
        return Some(Exclusion::IssueType);
    }
    if !security_allows(sub, facts, settings) {
        return Some(Exclusion::SecurityLevel);
    }
    if !comment_allows(sub, events, facts, settings) {
        return Some(Exclusion::CommentVisibility);
    }
    let failing = filters.fields.iter().position(|filter| !passes(filter, events, facts, settings))?;
    Some(Exclusion::Field { index: failing, key: filters.fields[failing].key.clone() })
}

/// Why `sub` left the event out, with the values that decided (SPEC §6.9: "project TES not
/// in [ABC]"): what the event had against what the rule wants.
pub fn explain(exclusion: &Exclusion, sub: &Subscription, events: &[String], facts: &IssueFacts) -> String {
    let list = |items: &mut dyn Iterator<Item = &String>| items.map(String::as_str).collect::<Vec<_>>().join(", ");
    let filters = &sub.filters;
    match exclusion {
        Exclusion::Events => {
            format!("events [{}] not in [{}]", list(&mut events.iter()), list(&mut filters.events.iter()))
        }
        Exclusion::Project => format!("project {} not in [{}]", facts.project_key, list(&mut filters.projects.iter())),
        Exclusion::IssueType => {
            format!("issue type {} not in [{}]", facts.issue_type_id, list(&mut filters.issue_types.iter()))
        }
        Exclusion::Field { index, key } => {
            let filter = &filters.fields[*index];
            let had = facts.values(key);
            let wanted = list(&mut filter.values.iter());
            format!("{key} [{}] not accepted by {key} {} [{wanted}]", list(&mut had.iter()), filter.inclusion)
        }
        other => other.to_string(),
    }
}

/// The subscription lists one of the events, or `event_updated_any` covers one. Event codes
/// are lower case, as `normalize` makes them; a rule may name a custom field's event as the
/// field is spelt (`event_updated_CostCenter`), so its names are compared ignoring case.
pub fn wants_event(wanted: &BTreeSet<String>, events: &[String]) -> bool {
    events.iter().any(|e| wanted.contains(e) || wanted.iter().any(|w| w.eq_ignore_ascii_case(e)))
        || (wanted.contains(UPDATED_ANY) && events.iter().any(|e| covered_by_any(e)))
}

/// What `event_updated_any` stands for: every update and every comment event.
pub(crate) fn covered_by_any(event: &str) -> bool {
    event.starts_with("event_updated") || event.ends_with("comment")
}

fn security_allows(sub: &Subscription, facts: &IssueFacts, settings: MatchSettings) -> bool {
    !settings.security_level_empty || !facts.has_security_level || sub.filters.fields.iter().any(|f| f.is_key(SECURITY))
}

/// A restricted comment goes only where a `commentVisibility` filter names its audience.
fn comment_allows(sub: &Subscription, events: &[String], facts: &IssueFacts, settings: MatchSettings) -> bool {
    let is_comment = events.iter().any(|e| e.ends_with("_comment"));
    if settings.restricted_comments_to_channels || !is_comment || !facts.is_restricted_comment() {
        return true;
    }
    let audience = facts.comment_visibility.as_deref().unwrap_or_default();
    sub.filters.fields.iter().any(|f| f.is_key(COMMENT_VISIBILITY) && f.values.contains(audience))
}

fn passes(filter: &FieldFilter, events: &[String], facts: &IssueFacts, settings: MatchSettings) -> bool {
    let Some(inclusion) = effective_inclusion(filter, settings) else {
        return false;
    };
    if filter.values.is_empty() && inclusion != Inclusion::Empty {
        return false;
    }
    let none = BTreeSet::new();
    let issue_values = facts.value_set(&filter.key).unwrap_or(&none);
    compare(inclusion, issue_values, &filter.values) || accepts_visible_to_all(filter, inclusion, issue_values, events)
}

/// The filter's inclusion, with `exclude_any` on `security` read as `empty` under the
/// security rule (excluding one level must not let the others through).
pub(crate) fn effective_inclusion(filter: &FieldFilter, settings: MatchSettings) -> Option<Inclusion> {
    let inclusion = Inclusion::parse(&filter.inclusion)?;
    let narrowed = settings.security_level_empty && filter.is_key(SECURITY) && inclusion == Inclusion::ExcludeAny;
    Some(if narrowed { Inclusion::Empty } else { inclusion })
}

/// V (the issue's values) against F (the filter's values).
fn compare(inclusion: Inclusion, issue: &BTreeSet<String>, wanted: &BTreeSet<String>) -> bool {
    let any = || wanted.iter().any(|v| issue.contains(v));
    match inclusion {
        Inclusion::IncludeAny => any(),
        Inclusion::IncludeAll => wanted.is_subset(issue),
        Inclusion::ExcludeAny => !any(),
        Inclusion::Empty => issue.is_empty(),
        Inclusion::IncludeOrEmpty => issue.is_empty() || any(),
    }
}

/// A comment-visibility filter does not block issue events, which everyone can see;
/// only the strict inclusions keep their literal meaning.
fn accepts_visible_to_all(
    filter: &FieldFilter,
    inclusion: Inclusion,
    issue: &BTreeSet<String>,
    events: &[String],
) -> bool {
    let commented = events.iter().any(|e| e == names::CREATED_COMMENT || e == names::UPDATED_COMMENT);
    filter.is_key(COMMENT_VISIBILITY)
        && !matches!(inclusion, Inclusion::IncludeAll | Inclusion::ExcludeAny)
        && issue.contains(VISIBLE_TO_ALL)
        && !commented
}
