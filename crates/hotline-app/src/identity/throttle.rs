//! Limits that live in memory: back-off after failed sign-ins per place, the lockout count of
//! usernames that do not exist (so they answer like real ones), request rates per session and
//! per API token, and the true last use of each session. Per server instance: a restart
//! forgets them, and the account lockout stored in the database still holds.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hotline_domain::auth::{Attempts, Backoff, LockoutPolicy, LoginFailures};

use crate::config::{RateLimitSettings, SignInSettings};

/// Where failed sign-ins come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Place {
    Address(String),
    AccountAddress(String, String),
}

#[derive(Debug)]
pub(crate) struct SignInThrottle {
    settings: SignInSettings,
    places: Mutex<HashMap<Place, Attempts>>,
    /// Lockout counts of usernames that have no account, kept like an account's own.
    unknown_accounts: Mutex<HashMap<String, LoginFailures>>,
}

impl SignInThrottle {
    pub(crate) fn new(settings: SignInSettings) -> Self {
        Self { settings, places: Mutex::default(), unknown_accounts: Mutex::default() }
    }

    fn places(&self, username: &str, address: Option<&str>) -> [(Place, Backoff); 2] {
        let address = address.unwrap_or("unknown").to_owned();
        [
            (
                Place::AccountAddress(username.to_owned(), address.clone()),
                self.settings.per_account_address,
            ),
            (Place::Address(address), self.settings.per_address),
        ]
    }

    /// The wait left before `username` may be tried again from `address`, if any.
    pub(crate) fn wait(
        &self,
        username: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<Duration> {
        let places = lock(&self.places);
        self.places(username, address)
            .into_iter()
            .filter_map(|(place, policy)| policy.wait(places.get(&place).copied(), now))
            .max()
    }

    /// Counts a failure; returns the wait it starts, if this failure starts one.
    pub(crate) fn failed(
        &self,
        username: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<Duration> {
        let mut places = lock(&self.places);
        let mut wait = None;
        for (place, policy) in self.places(username, address) {
            let next = policy.after_failure(places.get(&place).copied(), now);
            if policy.delay(next.failures) > Duration::zero() {
                wait = wait.max(Some(policy.delay(next.failures)));
            }
            places.insert(place, next);
        }
        if places.len() > self.settings.max_tracked {
            let settings = &self.settings;
            places.retain(|place, attempts| {
                let policy = match place {
                    Place::Address(_) => settings.per_address,
                    Place::AccountAddress(..) => settings.per_account_address,
                };
                !policy.is_forgotten(*attempts, now)
            });
            // Down to nine tenths, so the sort runs once per many failures, not per failure.
            evict_oldest(&mut places, settings.max_tracked / 10 * 9, |a| a.last_failure);
        }
        wait
    }

    /// A success from this place: the account's own back-off there ends (the address's does
    /// not, or one good account would reset a spraying address).
    pub(crate) fn succeeded(&self, username: &str, address: Option<&str>) {
        let [(account_place, _), _] = self.places(username, address);
        lock(&self.places).remove(&account_place);
    }

    pub(crate) fn unknown_account(&self, username: &str) -> LoginFailures {
        lock(&self.unknown_accounts)
            .get(username)
            .copied()
            .unwrap_or(LoginFailures { count: 0, locked_until: None })
    }

    /// Counts a failure against a username without an account, as `login_failed` counts one
    /// against an account.
    pub(crate) fn unknown_account_failed(
        &self,
        username: &str,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> LoginFailures {
        let mut accounts = lock(&self.unknown_accounts);
        let next = policy.after_failure(
            accounts
                .get(username)
                .copied()
                .unwrap_or(LoginFailures { count: 0, locked_until: None }),
            now,
        );
        accounts.insert(username.to_owned(), next);
        if accounts.len() > self.settings.max_tracked {
            accounts.retain(|_, f| f.locked_until.is_some_and(|until| until > now));
            let keep = self.settings.max_tracked / 2;
            if accounts.len() > keep {
                evict_oldest(&mut accounts, keep, |f| f.locked_until.unwrap_or(now));
            }
        }
        next
    }
}

/// Drops the entries with the oldest `at` until `max` are left.
fn evict_oldest<K: Clone + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    max: usize,
    at: impl Fn(&V) -> DateTime<Utc>,
) {
    if map.len() <= max {
        return;
    }
    let mut ages: Vec<(DateTime<Utc>, K)> = map.iter().map(|(k, v)| (at(v), k.clone())).collect();
    ages.sort_unstable_by_key(|(at, _)| *at);
    for (_, key) in ages.into_iter().take(map.len() - max) {
        map.remove(&key);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Requests per session and per API token (GCRA, from `governor`).
#[derive(Debug)]
pub(crate) struct RateLimits {
    sessions: Option<DefaultKeyedRateLimiter<String>>,
    tokens: Option<DefaultKeyedRateLimiter<uuid::Uuid>>,
}

fn quota(per_minute: u32, burst: u32) -> Option<Quota> {
    let per_minute = NonZeroU32::new(per_minute)?;
    let burst = NonZeroU32::new(burst).unwrap_or(per_minute);
    Some(Quota::per_minute(per_minute).allow_burst(burst))
}

impl RateLimits {
    pub(crate) fn new(settings: &RateLimitSettings) -> Self {
        Self {
            sessions: quota(settings.session_per_minute, settings.session_burst)
                .map(RateLimiter::keyed),
            tokens: quota(settings.token_per_minute, settings.token_burst).map(RateLimiter::keyed),
        }
    }

    /// `Err(seconds to wait)` when the session is over its rate.
    pub(crate) fn session(&self, id: &str) -> Result<(), u64> {
        check(self.sessions.as_ref(), &id.to_owned())
    }

    pub(crate) fn token(&self, id: uuid::Uuid) -> Result<(), u64> {
        check(self.tokens.as_ref(), &id)
    }

    /// Forgets the keys whose allowance is full again.
    pub(crate) fn forget_idle(&self) {
        if let Some(l) = &self.sessions {
            l.retain_recent();
        }
        if let Some(l) = &self.tokens {
            l.retain_recent();
        }
    }
}

fn check<K: Clone + Eq + std::hash::Hash>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), u64> {
    use governor::clock::Clock as _;
    let Some(limiter) = limiter else { return Ok(()) };
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(limiter.clock().now());
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    })
}

/// When each session was really last used on this instance; the database hears of it at most
/// once a minute, so idle expiry compares against the later of the two.
#[derive(Debug, Default)]
pub(crate) struct SessionUses(Mutex<HashMap<String, DateTime<Utc>>>);

impl SessionUses {
    pub(crate) fn last(&self, id: &str) -> Option<DateTime<Utc>> {
        lock(&self.0).get(id).copied()
    }

    /// On every request: updates in place, allocating only for a session's first use.
    pub(crate) fn record(&self, id: &str, now: DateTime<Utc>) {
        let mut uses = lock(&self.0);
        match uses.get_mut(id) {
            Some(at) => *at = now,
            None => {
                uses.insert(id.to_owned(), now);
            }
        }
    }

    pub(crate) fn forget(&self, id: &str) {
        lock(&self.0).remove(id);
    }

    /// Drops uses older than `before` (their sessions have expired or been touched since).
    pub(crate) fn forget_before(&self, before: DateTime<Utc>) {
        lock(&self.0).retain(|_, at| *at >= before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).single().unwrap_or_default()
            + Duration::seconds(secs)
    }

    #[test]
    fn an_account_from_one_address_waits_but_not_from_another() {
        let throttle = SignInThrottle::new(SignInSettings::default());
        for _ in 0..3 {
            assert_eq!(throttle.wait("agent", Some("10.0.0.1"), t(0)), None);
            throttle.failed("agent", Some("10.0.0.1"), t(0));
        }
        assert_eq!(throttle.wait("agent", Some("10.0.0.1"), t(0)), Some(Duration::seconds(30)));
        assert_eq!(throttle.wait("agent", Some("10.0.0.2"), t(0)), None);
        assert_eq!(throttle.wait("nobody", Some("10.0.0.1"), t(0)), None);
        throttle.succeeded("agent", Some("10.0.0.1"));
        assert_eq!(throttle.wait("agent", Some("10.0.0.1"), t(0)), None);
    }

    #[test]
    fn an_address_spraying_many_accounts_waits() {
        let throttle = SignInThrottle::new(SignInSettings::default());
        for i in 0..50 {
            throttle.failed(&format!("user{i}"), Some("10.0.0.9"), t(0));
        }
        assert_eq!(throttle.wait("someone", Some("10.0.0.9"), t(0)), Some(Duration::seconds(1)));
        assert_eq!(throttle.wait("someone", Some("10.0.0.8"), t(0)), None);
    }

    #[test]
    fn the_tracked_places_stay_bounded() {
        let settings = SignInSettings { max_tracked: 100, ..SignInSettings::default() };
        let throttle = SignInThrottle::new(settings);
        for i in 0..1000 {
            throttle.failed(
                &format!("user{i}"),
                Some(&format!("10.0.{}.{}", i / 256, i % 256)),
                t(i),
            );
        }
        assert!(lock(&throttle.places).len() <= 101);
        // The newest are kept.
        assert!(lock(&throttle.places).contains_key(&Place::Address("10.0.3.231".to_owned())));
    }
}
