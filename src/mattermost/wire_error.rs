//! What Mattermost would refuse, or open but not render, in a value we build (SPEC §11):
//! found when the value is built, so a mistake shows up in our tests rather than as a 400
//! or a dialog that silently fails to show in front of a user.

/// A wire value that breaks one of Mattermost's rules. `what` names the part, for example
/// `display_name of dialog element "summary"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("action id {0:?} may hold only the letters A-Z, a-z and the digits 0-9")]
    ActionId(String),
    #[error("{what} is empty")]
    Empty { what: String },
    /// Mattermost counts bytes of UTF-8 for these limits, not characters.
    #[error("{what} is {bytes} bytes long; Mattermost allows {max}")]
    TooLong { what: String, bytes: usize, max: usize },
    #[error("{what} is {value:?}, which is not one of its choices")]
    NotAChoice { what: String, value: String },
    #[error("two dialog elements are named {0:?}")]
    DuplicateName(String),
    #[error("{what}: min_length {min} is above max_length {max}")]
    Lengths { what: String, min: u32, max: u32 },
}
