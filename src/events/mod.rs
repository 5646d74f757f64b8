//! The event model and the pure steps around it: payload → [`model::Parsed`]
//! (`normalize`), parsed event → Mattermost post (`render`). Storing and routing live
//! in `ingest`.

pub mod ingest;
pub mod markup;
pub mod model;
pub mod names;
pub mod normalize;
pub mod render;
