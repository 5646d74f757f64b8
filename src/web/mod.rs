//! HTTP: the route table, thin handlers and the mapping of domain errors to responses.
//! No business rule lives here.

pub mod body;
pub mod firehose;
pub mod intake;
pub mod legacy;
pub mod ops;
pub mod routes;
pub mod state;
pub mod tls;

pub use state::AppState;
pub mod client;
