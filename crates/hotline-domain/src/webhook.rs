//! Webhooks: which events a subscription receives, how a delivery is signed and checked, and
//! when a failed delivery is tried again.
//!
//! The signature is `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, sent with the
//! Unix timestamp it covers; a receiver recomputes it and refuses timestamps outside a short
//! window, so a captured delivery cannot be replayed later.

use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::Sha256;

crate::code_enum! {
    /// Where a webhook delivery stands.
    pub enum DeliveryStatus {
        /// Waiting for its (next) attempt.
        Pending = "pending",
        Delivered = "delivered",
        /// Given up after the retry window.
        Failed = "failed",
    }
}

use crate::ticket::Action;

/// Every event type a subscription may name (besides the wildcard `ticket.*`).
#[must_use]
pub fn event_types() -> Vec<String> {
    let mut types = vec![
        "ticket.created".to_owned(),
        "ticket.corrected".to_owned(),
        "ticket.response_overdue".to_owned(),
    ];
    types.extend(Action::ALL.iter().map(|a| a.audit_name().to_owned()));
    types
}

/// Whether a subscription to `subscribed` receives `topic`.
#[must_use]
pub fn wants(subscribed: &[String], topic: &str) -> bool {
    subscribed.iter().any(|s| s == topic || (s == "ticket.*" && topic.starts_with("ticket.")))
}

/// The `X-Hotline-Signature` of `body` sent at `timestamp`.
#[must_use]
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature or timestamp missing or malformed")]
    Malformed,
    #[error("timestamp outside the accepted window")]
    Stale,
    #[error("signature does not match")]
    Mismatch,
}

/// Checks a delivery received at `now` (Unix seconds), accepting timestamps up to
/// `tolerance` away. The comparison takes the same time whatever the signature.
pub fn verify(
    secret: &[u8],
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let timestamp: i64 = timestamp.trim().parse().map_err(|_| SignatureError::Malformed)?;
    let given = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SignatureError::Malformed)?;
    if (now - timestamp).abs() > tolerance.num_seconds() {
        return Err(SignatureError::Stale);
    }
    mac(secret, timestamp, body).verify_slice(&given).map_err(|_| SignatureError::Mismatch)
}

/// How long to wait after the `attempts`-th failure: `first`, doubling, at most `cap`.
#[must_use]
pub fn retry_delay(attempts: u32, first: Duration, cap: Duration) -> Duration {
    let doubled = first.num_seconds().saturating_mul(1_i64 << attempts.saturating_sub(1).min(20));
    Duration::seconds(doubled.min(cap.num_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let sig = sign(b"s3cret", 1_700_000_000, b"{\"id\":1}");
        let window = Duration::minutes(5);
        assert_eq!(
            verify(b"s3cret", "1700000000", b"{\"id\":1}", &sig, 1_700_000_100, window),
            Ok(())
        );
        assert_eq!(
            verify(b"s3cret", "1700000000", b"{\"id\":2}", &sig, 1_700_000_100, window),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", "1700000000", b"{\"id\":1}", &sig, 1_700_000_100, window),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"s3cret", "1700000001", b"{\"id\":1}", &sig, 1_700_000_100, window),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"s3cret", "1700000000", b"{\"id\":1}", &sig, 1_700_001_000, window),
            Err(SignatureError::Stale),
            "a replay after the window"
        );
        assert_eq!(
            verify(b"s3cret", "soon", b"", "sha256=zz", 0, window),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let (first, cap) = (Duration::seconds(30), Duration::hours(1));
        let delays: Vec<i64> = (1..=9).map(|n| retry_delay(n, first, cap).num_seconds()).collect();
        assert_eq!(delays, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(retry_delay(u32::MAX, first, cap).num_seconds(), 3600);
    }

    #[test]
    fn subscriptions_match_exact_types_or_the_wildcard() {
        let subscribed = vec!["ticket.dispatch".to_owned()];
        assert!(wants(&subscribed, "ticket.dispatch"));
        assert!(!wants(&subscribed, "ticket.close"));
        assert!(wants(&["ticket.*".to_owned()], "ticket.close"));
        assert!(event_types().contains(&"ticket.approve_return".to_owned()));
    }
}
