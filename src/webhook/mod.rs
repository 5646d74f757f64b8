//! Webhook domain rules that are not HTTP: who may post (`auth`), which events a legacy
//! URL selects (`legacy`), and the generated webhook secret (`secret`).

pub mod auth;
pub mod legacy;
pub mod secret;
