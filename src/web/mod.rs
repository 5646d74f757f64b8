//! HTTP: what every face shares (the application state, client addresses, bodies, TLS),
//! the webhook and operations handlers, and the mapping of domain errors to responses.
//! No business rule lives here; the route table is `crate::routes`.

pub mod body;
pub mod connect_pages;
pub mod firehose;
pub mod intake;
pub mod legacy_webhook;
pub mod ops;
pub mod plugin_leftovers;
pub mod state;
pub mod tls;

pub use state::AppState;
pub mod client;
