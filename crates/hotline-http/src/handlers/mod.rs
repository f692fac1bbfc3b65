//! Thin handlers: extract, call one use case, shape the response.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod briefings;
pub mod callcenter;
pub mod desk;
pub mod events;
pub mod federation;
pub mod health;
pub mod jobs;
pub mod kb;
pub mod orgs;
pub mod reference;
pub mod reports;
pub mod search;
pub mod stats;
pub mod tickets;
pub mod tokens;
pub mod users;
pub mod webhooks;
