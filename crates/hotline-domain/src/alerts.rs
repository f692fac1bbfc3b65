//! Early warning (未诉先办) as pure rules: surges of one kind of appeal in one district, and
//! the words that mark an appeal for attention.
//!
//! A surge is judged against the cell's own share of the city's appeals: the last window's
//! appeals in a cell (level-1 category × district) are compared with what its ratio to all
//! other appeals in the past weeks would give of the window's other appeals. The city's daily
//! and hourly rhythm, and a busy day everywhere, then move the expectation with them; only a
//! cell outgrowing its share alarms. The count must be unlikely under Poisson noise, at least `min_count`, and at least
//! `min_ratio` times the expectation; a cell that alarmed stays quiet for `quiet_hours`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

crate::code_enum! {
    /// What an alert warns of.
    pub enum AlertKind {
        /// Far more appeals of one kind in one district than its share (突发激增).
        Surge = "surge",
        /// The same place and kind of appeal again and again (热点).
        Hotspot = "hotspot",
        /// One caller again and again (重复来电).
        RepeatCaller = "repeat_caller",
        /// An appeal with a word on the watch list (敏感词: 群体, 上访 …).
        SensitiveWords = "sensitive_words",
        /// A unit with many of the work orders it holds overdue (超期积压).
        DeadlineTrouble = "deadline_trouble",
    }
}

crate::code_enum! {
    /// Where an alert stands in the inbox.
    pub enum AlertState {
        Open = "open",
        Acknowledged = "acknowledged",
        Assigned = "assigned",
        Closed = "closed",
    }
}

/// Where surges are looked for: a level-1 category in a district.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub category: Uuid,
    pub region: Uuid,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurgeSettings {
    /// The window counted, in minutes.
    pub window_minutes: i64,
    /// How often the window moves on, in minutes.
    pub step_minutes: i64,
    /// The past a cell's share is taken from, in days.
    pub baseline_days: i64,
    /// How unlikely the count must be under Poisson noise.
    pub p_value: f64,
    pub min_count: u64,
    pub min_ratio: f64,
    pub quiet_hours: i64,
}

impl Default for SurgeSettings {
    fn default() -> Self {
        Self {
            window_minutes: 60,
            step_minutes: 10,
            baseline_days: 14,
            p_value: 1e-5,
            min_count: 8,
            min_ratio: 2.0,
            quiet_hours: 6,
        }
    }
}

/// A surge found: the window that ended at `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct Surge {
    pub cell: Cell,
    pub at: DateTime<Utc>,
    pub count: u64,
    pub expected: f64,
    pub p: f64,
}

/// `ln(n!)`: summed below 64, Stirling's series above.
fn ln_factorial(n: u64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let x = n as f64;
    if n < 64 {
        (2..=n).map(|i| (i as f64).ln()).sum()
    } else {
        x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
            - 1.0 / (360.0 * x * x * x)
    }
}

/// `P(X ≥ k)` for `X ~ Poisson(lambda)`; only the upper tail beyond the mean is summed (below
/// it the answer is large and no alarm asks for it, so 1 is returned).
#[must_use]
pub fn poisson_tail(k: u64, lambda: f64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let kf = k as f64;
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    if kf <= lambda {
        return 1.0;
    }
    let mut term = (-lambda + kf * lambda.ln() - ln_factorial(k)).exp();
    let mut sum = 0.0;
    let mut i = kf;
    while term > sum * 1e-12 && i < kf + 10_000.0 {
        sum += term;
        i += 1.0;
        term *= lambda / i;
    }
    sum.min(1.0)
}

/// Whether `count` in a window where `expected` were due is a surge.
#[must_use]
pub fn is_surge(count: u64, expected: f64, settings: &SurgeSettings) -> Option<f64> {
    #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let ratio_ok = count as f64 >= settings.min_ratio * expected;
    if count < settings.min_count || !ratio_ok {
        return None;
    }
    let p = poisson_tail(count, expected);
    (p < settings.p_value).then_some(p)
}

/// Finds surges in the windows ending at `from`, `from + step`, … up to `to`, over
/// `appeals` (each appeal's time and cell, in time order, starting at least `baseline_days`
/// before `from`). `quiet` holds when each cell last alarmed, and is updated.
pub fn surges(
    appeals: &[(DateTime<Utc>, Cell)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    settings: &SurgeSettings,
    quiet: &mut HashMap<Cell, DateTime<Utc>>,
) -> Vec<Surge> {
    let window = Duration::minutes(settings.window_minutes);
    let step = Duration::minutes(settings.step_minutes.max(1));
    let baseline = Duration::days(settings.baseline_days);
    let mut found = Vec::new();
    let mut at = from;
    while at <= to {
        let start = at - window;
        let past = start - baseline;
        // Windows end at `at` inclusive: an appeal made the instant the rule looks counts.
        let range = |a: DateTime<Utc>, b: DateTime<Utc>| {
            let lo = appeals.partition_point(|(t, _)| *t <= a);
            let hi = appeals.partition_point(|(t, _)| *t <= b);
            &appeals[lo..hi]
        };
        let now = range(start, at);
        let before = range(past, start);
        let mut in_window: HashMap<Cell, u64> = HashMap::new();
        for (_, cell) in now {
            *in_window.entry(*cell).or_default() += 1;
        }
        if !in_window.is_empty() {
            let mut shares: HashMap<Cell, u64> = HashMap::new();
            for (_, cell) in before {
                *shares.entry(*cell).or_default() += 1;
            }
            let (total_before, total_now) = (before.len() as u64, now.len() as u64);
            let mut cells_now: Vec<(&Cell, &u64)> = in_window.iter().collect();
            cells_now.sort();
            for (cell, count) in cells_now {
                if quiet
                    .get(cell)
                    .is_some_and(|last| at - *last < Duration::hours(settings.quiet_hours))
                {
                    continue;
                }
                // The cell against everyone else: how many of its appeals came per appeal
                // elsewhere in the past weeks, times the appeals elsewhere now. (Against the
                // total, a cell that triples would swell the total it is measured by.) One is
                // added to both counts: a cell never seen is not certain to stay empty.
                let mine = shares.get(cell).copied().unwrap_or(0);
                #[expect(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
                let expected = (mine as f64 + 1.0) / ((total_before - mine) as f64 + 1.0)
                    * (total_now - count) as f64;
                if let Some(p) = is_surge(*count, expected, settings) {
                    quiet.insert(*cell, at);
                    found.push(Surge { cell: *cell, at, count: *count, expected, p });
                }
            }
        }
        at += step;
    }
    found
}

/// The watch-list words `text` contains, each once, in list order.
#[must_use]
pub fn sensitive_words<'a>(text: &str, words: &'a [String]) -> Vec<&'a str> {
    words
        .iter()
        .filter(|w| !w.is_empty() && text.contains(w.as_str()))
        .map(String::as_str)
        .collect()
}

/// A unit's work orders held now: how many are open with it and how many of those overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub org: Uuid,
    pub open: i64,
    pub overdue: i64,
}

/// The units in deadline trouble: at least `min_overdue` overdue, and at least `min_share`
/// of what they hold — a big bureau with a few late is not in trouble, a street office with
/// half its work late is. Most overdue first.
#[must_use]
pub fn deadline_trouble(held: &[Held], min_overdue: i64, min_share: f64) -> Vec<Held> {
    let mut found: Vec<Held> = held
        .iter()
        .filter(|h| {
            #[expect(clippy::cast_precision_loss, reason = "ticket counts are far below 2^52")]
            let share = if h.open > 0 { h.overdue as f64 / h.open as f64 } else { 0.0 };
            h.overdue >= min_overdue && share >= min_share
        })
        .copied()
        .collect();
    found.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.org.cmp(&b.org)));
    found
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    const A: Cell = Cell { category: Uuid::from_u128(1), region: Uuid::from_u128(10) };
    const B: Cell = Cell { category: Uuid::from_u128(2), region: Uuid::from_u128(10) };

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap()
    }

    /// `per_hour` appeals of each cell every hour, evenly spread, for `hours`.
    fn steady(
        from: DateTime<Utc>,
        hours: i64,
        per_hour: &[(Cell, i64)],
    ) -> Vec<(DateTime<Utc>, Cell)> {
        let mut out = Vec::new();
        for h in 0..hours {
            for (cell, n) in per_hour {
                for i in 0..*n {
                    out.push((from + Duration::hours(h) + Duration::minutes(i * 60 / n), *cell));
                }
            }
        }
        out.sort_by_key(|(t, c)| (*t, *c));
        out
    }

    #[test]
    fn the_poisson_tail_matches_known_values() {
        // P(X ≥ 15 | λ = 5) ≈ 0.000226; P(X ≥ 3 | λ = 1) ≈ 0.0803.
        assert!((poisson_tail(15, 5.0) - 0.000_226).abs() < 1e-5);
        assert!((poisson_tail(3, 1.0) - 0.080_3).abs() < 1e-3);
        assert!(poisson_tail(400, 100.0) < 1e-50);
        assert_eq!(poisson_tail(3, 5.0), 1.0);
    }

    #[test]
    fn a_cell_tripling_its_share_alarms_once_and_a_busy_city_does_not() {
        let settings = SurgeSettings::default();
        let start = t0() + Duration::days(14);
        let mut appeals = steady(t0(), 14 * 24, &[(A, 10), (B, 20)]);
        // Everything doubles for a day: no cell outgrows its share.
        appeals.extend(steady(start, 24, &[(A, 20), (B, 40)]));
        // Then A triples for six hours while B stays as it was.
        let surge = start + Duration::days(1);
        appeals.extend(steady(surge, 6, &[(A, 30), (B, 20)]));
        appeals.extend(steady(surge + Duration::hours(6), 18, &[(A, 10), (B, 20)]));
        appeals.sort_by_key(|(t, c)| (*t, *c));
        let mut quiet = HashMap::new();
        let found = surges(&appeals, start, start + Duration::days(2), &settings, &mut quiet);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].cell, A);
        assert!(found[0].at - surge <= Duration::hours(1), "found at {}", found[0].at);
    }

    #[test]
    fn sensitive_words_are_found_once_each() {
        let words = vec!["群体".to_owned(), "上访".to_owned(), String::new()];
        assert_eq!(sensitive_words("准备组织群体上访，群体", &words), vec!["群体", "上访"]);
        assert!(sensitive_words("路灯不亮", &words).is_empty());
    }

    #[test]
    fn a_unit_is_in_deadline_trouble_when_many_and_a_large_share_are_late() {
        let unit = |n: u128, open, overdue| Held { org: Uuid::from_u128(n), open, overdue };
        let held = [unit(1, 100, 6), unit(2, 10, 6), unit(3, 8, 4), unit(4, 4, 4), unit(5, 0, 0)];
        let found = deadline_trouble(&held, 5, 0.2);
        // 6 of 100 is too small a share; 4 too few; 6 of 10 is trouble.
        assert_eq!(found, vec![unit(2, 10, 6)]);
        assert_eq!(
            deadline_trouble(&held, 4, 0.2).iter().map(|h| h.org.as_u128()).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert!(deadline_trouble(&held, 1, 1.01).is_empty());
    }
}
