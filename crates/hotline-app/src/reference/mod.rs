//! Reference data: the category tree, the working-day calendar, SLA policies, the routing
//! catalogue, what every installation is seeded with, and the in-memory copy that ticket views
//! read.

mod cache;
pub mod calendar;
pub mod categories;
pub mod routing;
pub(crate) mod seed;
pub mod sla;

pub(crate) use cache::{ReferenceCache, ReferenceData};
