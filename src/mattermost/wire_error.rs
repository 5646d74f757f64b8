//! What Mattermost would refuse, or open but not render, in a value we build (SPEC §11):
//! found when the value is built, so a mistake shows up in our tests rather than as a 400
//! or a dialog that silently fails to show in front of a user.

/// A wire value that breaks one of Mattermost's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("action id {0:?} may hold only the letters A-Z, a-z and the digits 0-9")]
    ActionId(String),
}
