//! SeaORM entities: one module per table, plain data, no behaviour.

pub mod api_token;
pub mod app_user;
pub mod audit_event;
pub mod audit_head;
pub mod org;
pub mod user_role;
pub mod user_session;
