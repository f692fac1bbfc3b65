//! Other systems: the outbox's consumers, signed webhooks for units' office systems, federation
//! with district hotline instances (upstream and downstream), and the Open311 GeoReport v2 use
//! cases. Webhooks and federation know nothing of each other; the outbox feeds both.

pub mod federation;
pub mod open311;
pub mod outbox;
pub mod webhooks;
