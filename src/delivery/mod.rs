//! The durable outbox and its worker: every acknowledged event's posts are made exactly
//! once, in receipt order per channel, surviving Mattermost outages and restarts.

pub mod backoff;
mod lanes;
pub mod limits;
mod mentions;
pub mod outbox;
mod settings;
pub mod threading;
pub mod worker;

pub use settings::DeliverySettings;
pub use worker::Worker;

/// Delivery states as stored.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const IN_FLIGHT: &str = "in_flight";
    pub const RETRYING: &str = "retrying";
    pub const DONE: &str = "done";
    pub const DEAD: &str = "dead";
}
