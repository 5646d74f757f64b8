//! The event model and the pure steps around it: payload → [`model::NormalizedEvent`]
//! (`normalize`), parsed event → Mattermost post (`render`, `preview`, with `markup` for
//! Jira's wiki markup and ADF). `untrusted` keeps Jira text from notifying a channel.
//! Nothing here does IO: storing, routing, replay and search are `crate::ingest`.

pub mod legacy_selection;
pub mod markup;
pub mod model;
pub mod names;
pub mod normalize;
pub mod preview;
pub mod render;
pub mod untrusted;
