//! Everything that knows Mattermost's REST API: the client, its wire types and the
//! channel-name cache.

pub mod channels;
pub mod client;
pub mod roles;
pub mod wire;

pub use client::{MattermostClient, MmError};
