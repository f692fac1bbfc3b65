//! SeaORM entities: one module per table, plain data, no behaviour.

pub mod api_token;
pub mod app_user;
pub mod attachment;
pub mod audit_event;
pub mod audit_head;
pub mod calendar_day;
pub mod calendar_year;
pub mod category;
pub mod contact;
pub mod federation_inbox;
pub mod federation_link;
pub mod federation_outbound;
pub mod federation_peer;
pub mod idempotency_key;
pub mod org;
pub mod outbox_event;
pub mod routing_rule;
pub mod sla_policy;
pub mod ticket;
pub mod ticket_counter;
pub mod ticket_event;
pub mod ticket_timer;
pub mod user_role;
pub mod user_session;
pub mod webhook_delivery;
pub mod webhook_subscription;
