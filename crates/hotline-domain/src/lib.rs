//! The pure core of hotline: identifiers, value objects and the rules that decide things.
//!
//! Nothing here performs IO or reads the clock: callers pass `now` in, so every rule can be
//! tested with fixed times and property tests.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod briefing;
pub mod calendar;
pub mod calendar_cn;
pub mod callcenter;
mod code_enum;
pub mod conflict;
pub mod duty;
pub mod federation;
pub mod ids;
pub mod kb;
pub mod org;
pub mod password;
pub mod phone;
pub mod phrase;
pub mod report;
pub mod role;
pub mod sla;
pub mod stats;
pub mod ticket;
pub mod user;
pub mod validation;
pub mod webhook;
pub mod words;

pub use ids::{ApiTokenId, OrgId, TicketId, UserId};
pub use validation::{FieldError, FieldErrors, FieldIssue};
