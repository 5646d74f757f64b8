//! The durable outbox and its worker: every acknowledged event's posts are made exactly
//! once, in receipt order per channel, surviving Mattermost outages and restarts.

pub mod backoff;
pub mod buttons;
mod lanes;
pub mod limits;
pub mod mentions;
pub mod outbox;
mod settings;
pub mod threading;
pub mod worker;

pub use settings::DeliverySettings;
pub use worker::Worker;
