//! Rules of signing in: lockout after failed attempts, session expiry, one-time codes.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// Lock an account after `max_failures` consecutive failures, for `lock_minutes`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_minutes: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { max_failures: 5, lock_minutes: 15 }
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
    fn five_failures_lock_for_fifteen_minutes() {
        let policy = LockoutPolicy::default();
        let mut state = LoginFailures { count: 0, locked_until: None };
        for _ in 0..4 {
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
