//! Other systems: signed webhooks for units' office systems, federation with district hotline
//! instances (upstream and downstream), and the Open311 GeoReport v2 use cases.

pub mod federation;
pub mod open311;
pub mod webhooks;
