//! Who may do what: signing in and sessions, staff accounts, API tokens for machines, the org
//! tree that scopes them all, and the in-memory limits on sign-ins and request rates.

pub mod auth;
pub mod orgs;
pub mod preferences;
pub(crate) mod throttle;
pub mod tokens;
pub mod users;
