//! Closed sets the store keeps in its records: a delivery's state.
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
    fn json_gets_the_same_text_as_the_store() {
        for state in DeliveryState::ALL {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(serde_json::from_str::<DeliveryState>(&json).unwrap(), state);
        }
        let error = serde_json::from_str::<DeliveryState>("\"Done\"").unwrap_err().to_string();
        assert!(error.contains("unknown delivery state `Done`"), "the text is exact: {error}");
    }
}
