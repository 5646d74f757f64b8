//! Everything that knows Mattermost's REST API: the client, the JSON we send (typed; built
//! by other modules, serialised only here), the JSON we read, and the channel-name cache.

pub mod action;
pub mod channel_ref;
pub mod channels;
pub mod client;
pub mod command;
pub mod dialog;
pub mod interactive;
mod members;
pub mod names;
pub mod post;
pub mod remembered;
pub mod roles;
pub mod slash;
mod usernames;
pub mod version;
pub mod wire;
pub mod wire_error;

pub use action::{ActionId, ActionIntegration, ActionKind, ActionOption, PostAction};
pub use client::{MattermostClient, MmError};
pub use command::{CommandResponse, ResponseType};
pub use dialog::{Dialog, DialogElement, ElementKind, OpenDialog, TextSubtype};
pub use post::{Attachment, AttachmentField, EphemeralPost, NewPost, PostProps, PostType};
pub use wire_error::WireError;
