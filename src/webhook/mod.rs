//! Webhook domain rules that are not HTTP: who may post (`auth`) and which events a legacy
//! URL selects (`legacy`). The generated webhook secret is `secrets::webhook`.

pub mod auth;
pub mod legacy;
