//! Rules of signing in: lockout after failed attempts, session expiry, one-time codes.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// Lock an account after `max_failures` consecutive failures, for `lock_minutes`. Failures are
/// throttled per place long before that (`Backoff`), so reaching the lock takes many places or
/// many hours.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_minutes: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { max_failures: 20, lock_minutes: 15 }
    }
}

/// The lockout state stored on the account, so it survives restarts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl LockoutPolicy {
    #[must_use]
    pub fn is_locked(&self, state: LoginFailures, now: DateTime<Utc>) -> bool {
        state.locked_until.is_some_and(|until| now < until)
    }

    /// The state after one more failed attempt. An expired lock starts a fresh count.
    #[must_use]
    pub fn after_failure(&self, state: LoginFailures, now: DateTime<Utc>) -> LoginFailures {
        let count = match state.locked_until {
            Some(until) if now >= until => 1,
            _ => state.count.saturating_add(1),
        };
        if count >= self.max_failures {
            LoginFailures { count, locked_until: Some(now + Duration::minutes(self.lock_minutes)) }
        } else {
            LoginFailures { count, locked_until: None }
        }
    }
}

/// Back-off after failed sign-ins from one place (an address, or an account from an address):
/// the first `free_failures` cost nothing, then every failure doubles the wait from
/// `first_delay_secs` up to `max_delay_secs`. Quiet for `max_delay_secs` after its wait, a
/// place starts afresh. Unknown and known accounts are throttled alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    pub free_failures: u32,
    pub first_delay_secs: i64,
    pub max_delay_secs: i64,
}

/// Failed attempts from one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempts {
    pub failures: u32,
    pub last_failure: DateTime<Utc>,
}

impl Backoff {
    /// How long a place must wait after its `failures`-th failure.
    #[must_use]
    pub fn delay(&self, failures: u32) -> Duration {
        let Some(over) = failures.checked_sub(self.free_failures) else {
            return Duration::zero();
        };
        let doublings = over.min(40);
        let secs = self.first_delay_secs.saturating_mul(1_i64 << doublings);
        Duration::seconds(secs.min(self.max_delay_secs))
    }

    /// The wait left before the next attempt, if any.
    #[must_use]
    pub fn wait(&self, attempts: Option<Attempts>, now: DateTime<Utc>) -> Option<Duration> {
        let a = attempts?;
        let left = a.last_failure + self.delay(a.failures) - now;
        (left > Duration::zero()).then_some(left)
    }

    /// The record after one more failure (a quiet place has been forgotten).
    #[must_use]
    pub fn after_failure(&self, attempts: Option<Attempts>, now: DateTime<Utc>) -> Attempts {
        let failures = match attempts {
            Some(a) if !self.is_forgotten(a, now) => a.failures.saturating_add(1),
            _ => 1,
        };
        Attempts { failures, last_failure: now }
    }

    /// Whether a record can be dropped: its wait is over and it stayed quiet after it.
    #[must_use]
    pub fn is_forgotten(&self, attempts: Attempts, now: DateTime<Utc>) -> bool {
        now - attempts.last_failure
            >= self.delay(attempts.failures) + Duration::seconds(self.max_delay_secs)
    }
}

/// Sessions end after `idle_minutes` without a request, and after `absolute_hours` regardless.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SessionPolicy {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle_minutes: 30, absolute_hours: 12 }
    }
}

impl SessionPolicy {
    #[must_use]
    pub fn is_expired(
        &self,
        created_at: DateTime<Utc>,
        last_seen_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now - last_seen_at >= Duration::minutes(self.idle_minutes)
            || now - created_at >= Duration::hours(self.absolute_hours)
    }
}

/// A TOTP code is accepted once: its time step must be later than the last one used (ASVS 6.5.1).
#[must_use]
pub fn totp_step_is_fresh(step: i64, last_used_step: Option<i64>) -> bool {
    last_used_step.is_none_or(|last| step > last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).single().unwrap_or_default()
            + Duration::minutes(minutes)
    }

    #[test]
    fn twenty_failures_lock_for_fifteen_minutes() {
        let policy = LockoutPolicy::default();
        let mut state = LoginFailures { count: 0, locked_until: None };
        for _ in 0..19 {
            state = policy.after_failure(state, t(0));
            assert!(!policy.is_locked(state, t(0)));
        }
        state = policy.after_failure(state, t(0));
        assert!(policy.is_locked(state, t(0)));
        assert!(policy.is_locked(state, t(14)));
        assert!(!policy.is_locked(state, t(15)));
        let after = policy.after_failure(state, t(16));
        assert_eq!(after, LoginFailures { count: 1, locked_until: None });
    }

    fn at_secs(secs: i64) -> DateTime<Utc> {
        t(0) + Duration::seconds(secs)
    }

    #[test]
    fn backoff_is_free_then_doubles_up_to_its_cap() {
        let policy = Backoff { free_failures: 3, first_delay_secs: 30, max_delay_secs: 3600 };
        let mut a = None;
        for _ in 0..3 {
            assert_eq!(policy.wait(a, at_secs(0)), None);
            a = Some(policy.after_failure(a, at_secs(0)));
        }
        // The third failure is the last free one; the fourth attempt waits 30 s.
        assert_eq!(policy.wait(a, at_secs(0)), Some(Duration::seconds(30)));
        assert_eq!(policy.wait(a, at_secs(29)), Some(Duration::seconds(1)));
        assert_eq!(policy.wait(a, at_secs(30)), None);
        a = Some(policy.after_failure(a, at_secs(30)));
        assert_eq!(policy.wait(a, at_secs(30)), Some(Duration::seconds(60)));
        for _ in 0..20 {
            a = Some(policy.after_failure(a, at_secs(30)));
        }
        assert_eq!(policy.wait(a, at_secs(30)), Some(Duration::seconds(3600)));
    }

    #[test]
    fn a_quiet_place_is_forgotten_after_its_wait_and_the_cap() {
        let policy = Backoff { free_failures: 1, first_delay_secs: 10, max_delay_secs: 100 };
        let a = policy.after_failure(None, at_secs(0));
        let a = policy.after_failure(Some(a), at_secs(0));
        assert!(!policy.is_forgotten(a, at_secs(119)));
        assert!(policy.is_forgotten(a, at_secs(120)));
        assert_eq!(policy.after_failure(Some(a), at_secs(120)).failures, 1);
        assert_eq!(policy.after_failure(Some(a), at_secs(119)).failures, 3);
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let policy = SessionPolicy::default();
        assert!(!policy.is_expired(t(0), t(10), t(39)));
        assert!(policy.is_expired(t(0), t(10), t(40)));
        assert!(policy.is_expired(t(0), t(12 * 60 - 1), t(12 * 60)));
    }

    #[test]
    fn a_totp_step_is_used_once() {
        assert!(totp_step_is_fresh(10, None));
        assert!(totp_step_is_fresh(11, Some(10)));
        assert!(!totp_step_is_fresh(10, Some(10)));
        assert!(!totp_step_is_fresh(9, Some(10)));
    }
}
