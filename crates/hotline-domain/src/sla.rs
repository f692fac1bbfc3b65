//! Service-level clocks: how long a unit has to accept (签收), to contact the citizen (响应)
//! and to finish (办结), by category and urgency.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, Due};
use crate::validation::{FieldError, FieldIssue};

crate::code_enum! {
    pub enum LimitUnit {
        Minutes = "minutes",
        Hours = "hours",
        WorkingDays = "working_days",
    }
}

crate::code_enum! {
    /// What a deadline timer does when it fires.
    pub enum TimerKind {
        AcceptWarning = "accept_warning",
        AcceptOverdue = "accept_overdue",
        ResponseOverdue = "response_overdue",
        FinishWarning = "finish_warning",
        FinishOverdue = "finish_overdue",
        /// Still overdue N working days after the deadline: supervision (督办).
        Escalate = "escalate",
    }
}

/// A time limit: `24 hours`, `5 working_days`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Limit {
    pub amount: u32,
    pub unit: LimitUnit,
}

impl Limit {
    pub const MAX_WORKING_DAYS: u32 = 120;
    pub const MAX_MINUTES: u32 = 60 * 24 * 180;

    #[must_use]
    pub const fn minutes(amount: u32) -> Self {
        Self { amount, unit: LimitUnit::Minutes }
    }

    #[must_use]
    pub const fn hours(amount: u32) -> Self {
        Self { amount, unit: LimitUnit::Hours }
    }

    #[must_use]
    pub const fn working_days(amount: u32) -> Self {
        Self { amount, unit: LimitUnit::WorkingDays }
    }

    /// Checks the bounds; `field` names the limit in errors.
    pub fn validate(self, field: &str) -> Result<Self, FieldError> {
        let minutes = match self.unit {
            LimitUnit::Minutes => Some(self.amount),
            LimitUnit::Hours => self.amount.checked_mul(60),
            LimitUnit::WorkingDays => None,
        };
        let ok = self.amount > 0
            && match minutes {
                Some(m) => m <= Self::MAX_MINUTES,
                None => self.amount <= Self::MAX_WORKING_DAYS,
            };
        if ok { Ok(self) } else { Err(FieldError::new(field, FieldIssue::InvalidValue)) }
    }

    /// The limit as citizens read it in a promise: `5个工作日`, `24小时`.
    #[must_use]
    pub fn zh(self) -> String {
        let unit = match self.unit {
            LimitUnit::Minutes => "分钟",
            LimitUnit::Hours => "小时",
            LimitUnit::WorkingDays => "个工作日",
        };
        format!("{}{unit}", self.amount)
    }

    /// When a clock started at `from` runs out.
    #[must_use]
    pub fn due(self, calendar: &Calendar, from: DateTime<Utc>) -> Due {
        match self.unit {
            LimitUnit::Minutes => {
                Due { at: from + Duration::minutes(self.amount.into()), assumed_years: false }
            }
            LimitUnit::Hours => {
                Due { at: from + Duration::hours(self.amount.into()), assumed_years: false }
            }
            LimitUnit::WorkingDays => calendar.add_working_days(from, self.amount),
        }
    }
}

/// The three clocks of one policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Clocks {
    pub accept: Limit,
    pub response: Limit,
    pub finish: Limit,
}

/// How a clock's time is counted: working time for limits in working days, elapsed time for
/// limits in minutes or hours (an emergency's 30 minutes run through the night).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    Working,
    Elapsed,
}

impl LimitUnit {
    #[must_use]
    pub const fn counting(self) -> Counting {
        match self {
            Self::WorkingDays => Counting::Working,
            Self::Minutes | Self::Hours => Counting::Elapsed,
        }
    }
}

/// Whole minutes from `now` to `due`, counted as `counting` says: down while time is left (13
/// minutes 50 seconds are 13), and at least one minute once late (never "0 minutes late").
#[must_use]
pub fn minutes_left(
    counting: Counting,
    calendar: &Calendar,
    now: DateTime<Utc>,
    due: DateTime<Utc>,
) -> i64 {
    let minutes = match counting {
        Counting::Working => calendar.working_minutes_between(now, due),
        Counting::Elapsed => {
            let secs = (due - now).num_seconds();
            if secs >= 0 { secs / 60 } else { -((-secs + 59) / 60) }
        }
    };
    if now >= due { minutes.min(-1) } else { minutes }
}

/// When to warn that a clock is running out: once `share_left` of its time remains.
#[must_use]
pub fn warning_at(start: DateTime<Utc>, due: DateTime<Utc>, share_left: f64) -> DateTime<Utc> {
    let total = (due - start).num_seconds().max(0);
    let share = share_left.clamp(0.0, 1.0);
    // Whole seconds are precise enough for a warning.
    let before = (total as f64 * share).round() as i64;
    due - Duration::seconds(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert!(Limit::working_days(5).validate("finish").is_ok());
        assert!(Limit::working_days(0).validate("finish").is_err());
        assert!(Limit::working_days(121).validate("finish").is_err());
        assert!(Limit::hours(24).validate("finish").is_ok());
        assert!(Limit::hours(u32::MAX).validate("finish").is_err());
    }

    #[test]
    fn warnings_fire_when_the_share_is_left() {
        let start = DateTime::<Utc>::UNIX_EPOCH;
        let due = start + Duration::hours(10);
        assert_eq!(warning_at(start, due, 0.2), start + Duration::hours(8));
        assert_eq!(warning_at(start, due, 0.0), due);
        assert_eq!(warning_at(due, start, 0.5), start, "an already passed deadline warns at once");
    }

    fn beijing() -> Calendar {
        let offset = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        Calendar::new([], [2026], crate::calendar::WorkingHours::default(), offset)
    }

    /// 2026-12-07 is a Monday; 22:00 in Beijing is after office hours.
    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        use chrono::TimeZone as _;
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, s).unwrap()
    }

    #[test]
    fn an_emergency_counts_elapsed_minutes_through_the_night() {
        let cal = beijing();
        // 22:00 and 22:13:50 Beijing time: no working minute in between.
        let (now, due) = (at(14, 0, 0), at(14, 13, 50));
        assert_eq!(minutes_left(Counting::Elapsed, &cal, now, due), 13);
        assert_eq!(minutes_left(Counting::Working, &cal, now, due), 0);
        assert_eq!(LimitUnit::Minutes.counting(), Counting::Elapsed);
        assert_eq!(LimitUnit::Hours.counting(), Counting::Elapsed);
        assert_eq!(LimitUnit::WorkingDays.counting(), Counting::Working);
    }

    #[test]
    fn a_late_clock_is_never_zero_minutes_late() {
        let cal = beijing();
        let due = at(14, 0, 0);
        assert_eq!(minutes_left(Counting::Elapsed, &cal, due, due), -1);
        assert_eq!(minutes_left(Counting::Elapsed, &cal, at(14, 0, 30), due), -1);
        assert_eq!(minutes_left(Counting::Elapsed, &cal, at(14, 2, 1), due), -3);
        // Late in working time only by night hours: still late.
        assert_eq!(minutes_left(Counting::Working, &cal, at(15, 0, 0), due), -1);
        // Monday 09:00 to 10:30 Beijing: 90 working minutes.
        assert_eq!(minutes_left(Counting::Working, &cal, at(1, 0, 0), at(2, 30, 0)), 90);
    }
}
