//! Federation between hotline instances (数据联网), both halves in one program.
//!
//! Upstream (the city): an org is marked remote with [`App::make_org_remote`]. That issues a
//! `unit_handler` API token for the org and subscribes a webhook for the org's ticket events to
//! the downstream instance's `/api/v1/federation/events`; both secrets are handed to the
//! downstream's administrator once.
//!
//! Downstream (the district): the administrator registers the upstream as a peer with those
//! secrets ([`App::add_federation_peer`]). Signed events from the peer arrive at
//! [`App::receive_federation_event`]: a dispatch makes a local copy (read through the peer's API
//! as the org would see it), urging and a rejected result act on the copy. The copy's own moves
//! are queued by the outbox fan-out ([`upstream_reports`]) and reported in order
//! through the peer's API ([`App::send_federation_reports`]) with idempotency keys, retried
//! until they land: a peer that is down receives everything, once, when it returns.

mod downstream;
mod upstream;

pub(crate) use downstream::upstream_reports;
pub use downstream::{NewPeer, PeerView, Received, ReportQuery, ReportView};
pub use upstream::{RemoteOrgInput, RemoteOrgSetup};

use hotline_domain::{FieldError, FieldIssue};

/// An instance's base URL, as both halves take it.
fn base_url(field: &str, raw: &str) -> std::result::Result<String, FieldError> {
    let url = raw.trim().trim_end_matches('/');
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 400
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(url.to_owned())
    } else {
        Err(FieldError::new(field, FieldIssue::InvalidFormat)
            .with_detail("the instance's base URL, http(s)://host[:port]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_urls_are_plain_bases() {
        assert_eq!(
            base_url("url", " http://10.1.2.3:8080/ ").as_deref(),
            Ok("http://10.1.2.3:8080")
        );
        assert!(base_url("url", "ftp://x").is_err());
        assert!(base_url("url", "http://a b").is_err());
    }
}
