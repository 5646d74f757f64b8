//! Closed sets the store keeps in its records: a delivery's state, an event's routing
//! status and a subscription's state.
//!
//! They are stored as the same text the records held when these fields were `String`s.
//! Serde's derive would encode an enum as its variant index under bincode, which would
//! change every stored record and every backup; so each type here writes itself as its
//! text and reads the text back, and a text outside the set is a decode error that names
//! it. JSON (the API, audit entries) gets the same text as before too.

use std::fmt;

use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Where a delivery is in its life (see `delivery::worker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    /// Stored, not tried yet.
    Pending,
    /// Handed to Mattermost with no answer seen: it may have been posted, so it is searched
    /// for before it is sent again.
    InFlight,
    /// Failed for a reason that may pass; due again after a backoff.
    Retrying,
    /// Posted.
    Done,
    /// Failed for good (the reason is in `last_error`).
    Dead,
}

impl DeliveryState {
    /// Every state, in the order an admin filters on them (unfinished first).
    pub const ALL: [DeliveryState; 5] = [
        DeliveryState::Pending,
        DeliveryState::InFlight,
        DeliveryState::Retrying,
        DeliveryState::Dead,
        DeliveryState::Done,
    ];

    /// The stored text, also shown in the API, the console and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::InFlight => "in_flight",
            DeliveryState::Retrying => "retrying",
            DeliveryState::Done => "done",
            DeliveryState::Dead => "dead",
        }
    }

    /// The state a stored or given text names; `None` for any other text.
    pub fn parse(text: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Done or dead: nothing more will be tried (it has left the due index).
    pub fn is_finished(self) -> bool {
        matches!(self, DeliveryState::Done | DeliveryState::Dead)
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DeliveryState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeliveryState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let parse = |text: &str| {
            DeliveryState::parse(text).ok_or_else(|| {
                let known: Vec<&str> = DeliveryState::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown delivery state `{text}` (known: {})", known.join(", "))
            })
        };
        deserializer.deserialize_str(TextVisitor { expecting: "a delivery state", parse })
    }
}

/// How an event was routed, as its event log entry says: one of a few words, and for some
/// a note after a comma (`routed, enriched from event #12`, `unmatched, <why>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoutingKind {
    /// Deliveries were made.
    Routed,
    /// Its instance is known but no subscription (or legacy target) wanted it.
    Unmatched,
    /// No instance could be chosen for a firehose event.
    Unrouted,
    /// A Jira Cloud comment whose issue's security level nobody told: sent nowhere.
    SecurityLevelUnknown,
    /// Stored to be routed after the acknowledgement (see `store::pending_routing`).
    RoutingPending,
}

impl RoutingKind {
    pub const ALL: [RoutingKind; 5] = [
        RoutingKind::Routed,
        RoutingKind::Unmatched,
        RoutingKind::Unrouted,
        RoutingKind::SecurityLevelUnknown,
        RoutingKind::RoutingPending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoutingKind::Routed => "routed",
            RoutingKind::Unmatched => "unmatched",
            RoutingKind::Unrouted => "unrouted",
            RoutingKind::SecurityLevelUnknown => "security level unknown",
            RoutingKind::RoutingPending => "routing pending",
        }
    }
}

/// An event's routing status: stored, shown in the event log and given by the API as
/// `kind` alone or `kind, note`, the text it was stored as while it was a `String`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoutingStatus {
    pub kind: RoutingKind,
    /// Said after the kind: where the facts it was routed with came from, or why it went
    /// nowhere.
    pub note: Option<String>,
}

impl RoutingStatus {
    pub fn new(kind: RoutingKind) -> RoutingStatus {
        RoutingStatus { kind, note: None }
    }

    pub fn with_note(kind: RoutingKind, note: impl Into<String>) -> RoutingStatus {
        RoutingStatus { kind, note: Some(note.into()) }
    }

    /// The status `text` states: a kind's word, alone or followed by `, ` and a note.
    pub fn parse(text: &str) -> Option<RoutingStatus> {
        RoutingKind::ALL.into_iter().find_map(|kind| match text.strip_prefix(kind.as_str())? {
            "" => Some(RoutingStatus::new(kind)),
            rest => rest.strip_prefix(", ").map(|note| RoutingStatus::with_note(kind, note)),
        })
    }

    /// Stored to be routed later (only such events have a `pendingevent_instanceid` marker).
    pub fn is_pending(&self) -> bool {
        self.kind == RoutingKind::RoutingPending
    }
}

impl fmt::Display for RoutingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        match &self.note {
            Some(note) => write!(f, ", {note}"),
            None => Ok(()),
        }
    }
}

impl Serialize for RoutingStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.note {
            // Most events: no text to build on the ingest path.
            None => serializer.serialize_str(self.kind.as_str()),
            Some(_) => serializer.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for RoutingStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let parse = |text: &str| RoutingStatus::parse(text).ok_or_else(|| format!("unknown routing status `{text}`"));
        deserializer.deserialize_str(TextVisitor { expecting: "a routing status", parse })
    }
}

/// Whether a subscription's channel takes its posts (SPEC §6.1's `state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SubscriptionState {
    #[default]
    Active,
    /// Mattermost refused its channel for good (the reason is in `broken_reason`).
    Broken,
}

impl SubscriptionState {
    /// The stored text, also given by the API and used as a metrics label.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::Active => "active",
            SubscriptionState::Broken => "broken",
        }
    }
}

impl fmt::Display for SubscriptionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SubscriptionState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SubscriptionState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let parse = |text: &str| match text {
            "active" => Ok(SubscriptionState::Active),
            "broken" => Ok(SubscriptionState::Broken),
            other => Err(format!("unknown subscription state `{other}` (known: active, broken)")),
        };
        deserializer.deserialize_str(TextVisitor { expecting: "a subscription state", parse })
    }
}

/// Reads a value written as text ([`Serializer::serialize_str`]): bincode hands over the
/// stored string, JSON the string value. Messages quote the text in backticks: bincode's
/// error shows them through `Debug`, which would escape double quotes.
pub(super) struct TextVisitor<F> {
    pub expecting: &'static str,
    pub parse: F,
}

impl<T, F: FnOnce(&str) -> Result<T, String>> Visitor<'_> for TextVisitor<F> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        (self.parse)(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_state_is_stored_as_its_old_text() {
        for (state, text) in [(SubscriptionState::Active, "active"), (SubscriptionState::Broken, "broken")] {
            let as_text = crate::store::codec::encode(1, &text.to_string()).unwrap();
            assert_eq!(crate::store::codec::encode(1, &state).unwrap(), as_text, "same bytes as the String was");
            assert_eq!(crate::store::codec::decode::<SubscriptionState>(1, &as_text).unwrap(), state);
        }
        assert!(serde_json::from_str::<SubscriptionState>("\"Broken\"").is_err());
    }

    #[test]
    fn json_gets_the_same_text_as_the_store() {
        for state in DeliveryState::ALL {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(serde_json::from_str::<DeliveryState>(&json).unwrap(), state);
        }
        let error = serde_json::from_str::<DeliveryState>("\"Done\"").unwrap_err().to_string();
        assert!(error.contains("unknown delivery state `Done`"), "the text is exact: {error}");
    }

    #[test]
    fn a_routing_status_reads_back_as_the_text_it_shows() {
        let texts = [
            "routed",
            "unmatched",
            "unrouted",
            "security level unknown",
            "routing pending",
            "routed, enriched from event #12",
            "unmatched, enriched from Jira",
            "unmatched, the issue could not be read from Jira, nor from earlier events: Jira said 404",
            "routed, ",
        ];
        for text in texts {
            let status = RoutingStatus::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(status.to_string(), text);
            assert_eq!(serde_json::to_string(&status).unwrap(), serde_json::to_string(text).unwrap());
        }
        let enriched = RoutingStatus::parse("routed, enriched from event #12").unwrap();
        assert_eq!(enriched, RoutingStatus::with_note(RoutingKind::Routed, "enriched from event #12"));
        for unknown in ["", "Routed", "routedx", "routed,x", "ignored", "routed again"] {
            assert_eq!(RoutingStatus::parse(unknown), None, "{unknown}");
        }
        let error = serde_json::from_str::<RoutingStatus>("\"ignored\"").unwrap_err().to_string();
        assert!(error.contains("unknown routing status `ignored`"), "{error}");
    }
}
