//! Channel subscriptions: the plugin's model (SPEC §6.1), validation (§6.2), the facts a
//! webhook offers (`facts`, and `known`: those kept for partial payloads), matching (§6.5) with an index, and approximate JQL (§6.6).
//!
//! Everything but `service` is pure: no IO, no clock, no async. `stored` converts to and
//! from the store's records; `service` runs create/update/delete with their IO checks.

pub mod catalog;
pub mod catalog_listed;
pub mod dry_run;
pub mod facts;
pub mod health;
pub mod index;
pub mod jql;
pub mod known;
pub mod matching;
pub mod model;
pub mod notice;
pub mod people;
pub mod service;
pub mod stored;
pub mod validate;
pub mod words;

#[cfg(test)]
mod tests;

pub use facts::IssueFacts;
pub use index::SubscriptionIndex;
pub use jql::approximate_jql;
pub use matching::{matches, MatchSettings};
pub use model::{is_known_event, FieldFilter, Filters, Subscription, KNOWN_EVENTS};
pub use validate::{validate, FieldError};
