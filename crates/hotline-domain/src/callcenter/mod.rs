//! The call center (呼叫中心): agents' states on their seats, the ACD's choice, and what a call's
//! record says when it ends. The softswitch carries SIP; everything decided is decided here.

pub mod acd;
pub mod agent;

use chrono::{DateTime, Utc};

crate::code_enum! {
    /// How an inbound call ended for the center (telephony §5.5).
    pub enum Disposition {
        Answered = "answered",
        /// The caller hung up waiting for an offer.
        AbandonedQueue = "abandoned_queue",
        /// The caller hung up while an agent's phone rang.
        AbandonedRinging = "abandoned_ringing",
        /// Hung up within the short-abandon threshold: not counted against the center.
        ShortAbandon = "short_abandon",
        /// No agent could take it (none ready with the skills, or outside the line's hours).
        RejectedNoAgent = "rejected_no_agent",
        /// The softswitch gave up (an error, every offer failed).
        Failed = "failed",
    }
}

impl Disposition {
    /// Whether the call counts as offered to people (接通率's denominator): short abandons
    /// do not.
    #[must_use]
    pub const fn counts_as_offered(self) -> bool {
        match self {
            Self::ShortAbandon => false,
            Self::Answered
            | Self::AbandonedQueue
            | Self::AbandonedRinging
            | Self::RejectedNoAgent
            | Self::Failed => true,
        }
    }
}

crate::code_enum! {
    /// What became of one offer to one agent.
    pub enum OfferResult {
        Answered = "answered",
        /// Rang out unanswered (RONA).
        NoAnswer = "no_answer",
        Busy = "busy",
        Rejected = "rejected",
        /// The caller hung up while it rang.
        Abandoned = "abandoned",
        Failed = "failed",
    }
}

impl OfferResult {
    /// From the SIP status of a failed branch: 408 and 480 ring out, 486 and 600 are busy,
    /// 603 is a refusal; anything else failed.
    #[must_use]
    pub const fn of_sip_status(code: u16) -> Self {
        match code {
            408 | 480 => Self::NoAnswer,
            486 | 600 => Self::Busy,
            603 => Self::Rejected,
            487 => Self::Abandoned,
            _ => Self::Failed,
        }
    }
}

/// GB/T 33358: a call is answered in time within 15 seconds.
pub const SERVICE_LEVEL_SECONDS: i64 = 15;

/// The disposition of a call that ended without an answer: `ringing` when an agent's phone
/// rang at the end; a hang-up within `short_abandon_s` of the offer is a short abandon.
#[must_use]
pub fn unanswered(
    offered_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    ringing: bool,
    short_abandon_s: i64,
) -> Disposition {
    if (ended_at - offered_at).num_seconds() < short_abandon_s {
        Disposition::ShortAbandon
    } else if ringing {
        Disposition::AbandonedRinging
    } else {
        Disposition::AbandonedQueue
    }
}

/// Whether an answered call was answered within the service level.
#[must_use]
pub fn within_service_level(offered_at: DateTime<Utc>, answered_at: DateTime<Utc>) -> bool {
    (answered_at - offered_at).num_seconds() <= SERVICE_LEVEL_SECONDS
}

/// Erlang C (telephony §2.7): the agents needed so that `target` of calls are answered within
/// `within_s`, for `calls_per_hour` calls of `aht_s` seconds each. `None` for no traffic.
#[must_use]
pub fn agents_needed(calls_per_hour: f64, aht_s: f64, within_s: f64, target: f64) -> Option<u32> {
    if calls_per_hour <= 0.0 || aht_s <= 0.0 {
        return None;
    }
    let traffic = calls_per_hour * aht_s / 3600.0;
    let mut agents = traffic.floor() as u32 + 1;
    loop {
        let n = f64::from(agents);
        // Erlang B by recursion, then C from B; stable for large pools.
        let b = (1..=agents).fold(1.0, |b, k| traffic * b / (f64::from(k) + traffic * b));
        let c = n * b / (n - traffic * (1.0 - b));
        let service = 1.0 - c * (-(n - traffic) * within_s / aht_s).exp();
        if service >= target || agents >= 10_000 {
            return Some(agents);
        }
        agents += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_000_000 + s, 0).single().expect("valid")
    }

    #[test]
    fn unanswered_calls_are_told_apart() {
        assert_eq!(unanswered(at(0), at(3), false, 5), Disposition::ShortAbandon);
        assert_eq!(unanswered(at(0), at(30), true, 5), Disposition::AbandonedRinging);
        assert_eq!(unanswered(at(0), at(30), false, 5), Disposition::AbandonedQueue);
        assert!(within_service_level(at(0), at(15)) && !within_service_level(at(0), at(16)));
    }

    #[test]
    fn sip_statuses_map_to_offer_results() {
        assert_eq!(OfferResult::of_sip_status(408), OfferResult::NoAnswer);
        assert_eq!(OfferResult::of_sip_status(486), OfferResult::Busy);
        assert_eq!(OfferResult::of_sip_status(603), OfferResult::Rejected);
        assert_eq!(OfferResult::of_sip_status(500), OfferResult::Failed);
    }

    #[test]
    fn erlang_c_matches_the_reference_figures() {
        // telephony §2.7's worked figures.
        assert_eq!(agents_needed(3630.0, 300.0, 15.0, 0.8), Some(315));
        assert_eq!(agents_needed(3630.0, 300.0, 15.0, 0.9), Some(320));
        assert_eq!(agents_needed(1000.0, 300.0, 15.0, 0.9), Some(95));
        assert_eq!(agents_needed(100.0, 300.0, 15.0, 0.9), Some(13));
        assert_eq!(agents_needed(0.0, 300.0, 15.0, 0.8), None);
    }
}
