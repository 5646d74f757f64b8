//! The event model and the pure steps around it: payload → [`model::Parsed`]
//! (`normalize`), parsed event → Mattermost post (`render`, `preview`). Storing lives in
//! `ingest`, routing in `routing` (and, for events that wait for Jira, `pending`); the admin views in `log` and `replay`. `untrusted` keeps
//! Jira text from notifying a channel.

pub mod ingest;
pub mod log;
pub mod markup;
pub mod model;
pub mod names;
pub mod normalize;
pub mod pending;
pub mod preview;
pub mod render;
pub mod replay;
pub mod routing;
pub mod untrusted;
