//! The working-day calendar and deadline maths.
//!
//! China moves working days around public holidays: some weekdays are off (节假日) and some
//! weekends are worked (调休). The calendar holds those exceptions by date; every other date is
//! a workday Monday to Friday. "N working days" means: counted from the next working day, due
//! at the end of working hours on the Nth. All of this is pure: `from` is passed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{
    DateTime, Datelike as _, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone as _, Utc,
    Weekday,
};
use serde::{Deserialize, Serialize};

crate::code_enum! {
    /// What a date is, when it is not an ordinary weekday or weekend.
    pub enum DayKind {
        /// Worked, although the calendar would not say so otherwise (rarely needed).
        Workday = "workday",
        /// A statutory holiday or a day off of the holiday period.
        Holiday = "holiday",
        /// A weekend day worked in exchange for a holiday (调休).
        MakeupWorkday = "makeup_workday",
    }
}

impl DayKind {
    #[must_use]
    pub const fn is_workday(self) -> bool {
        match self {
            Self::Workday | Self::MakeupWorkday => true,
            Self::Holiday => false,
        }
    }
}

/// The office day, in local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default(),
        }
    }
}

/// A deadline, and whether it was computed across a year the calendar has no data for (then
/// weekends were assumed to be the only days off, and an admin should enter the schedule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub assumed_years: bool,
}

#[derive(Clone, Debug)]
pub struct Calendar {
    exceptions: BTreeMap<NaiveDate, DayKind>,
    /// Years whose official schedule has been entered.
    known_years: BTreeSet<i32>,
    hours: WorkingHours,
    offset: FixedOffset,
}

impl Calendar {
    #[must_use]
    pub fn new(
        exceptions: impl IntoIterator<Item = (NaiveDate, DayKind)>,
        known_years: impl IntoIterator<Item = i32>,
        hours: WorkingHours,
        offset: FixedOffset,
    ) -> Self {
        Self {
            exceptions: exceptions.into_iter().collect(),
            known_years: known_years.into_iter().collect(),
            hours,
            offset,
        }
    }

    #[must_use]
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    #[must_use]
    pub fn hours(&self) -> WorkingHours {
        self.hours
    }

    #[must_use]
    pub fn is_known_year(&self, year: i32) -> bool {
        self.known_years.contains(&year)
    }

    #[must_use]
    pub fn is_workday(&self, date: NaiveDate) -> bool {
        match self.exceptions.get(&date) {
            Some(kind) => kind.is_workday(),
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The local calendar date of an instant.
    #[must_use]
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset).date_naive()
    }

    /// The instant a local calendar date begins.
    #[must_use]
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        self.at_local(date, NaiveTime::MIN)
    }

    fn at_local(&self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        self.offset
            .from_local_datetime(&local)
            .single()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
    }

    /// Due at the end of working hours on the `n`th working day after `from`'s date. With `n`
    /// = 0: the end of the current working day, or of the next one when `from` is past it.
    #[must_use]
    pub fn add_working_days(&self, from: DateTime<Utc>, n: u32) -> Due {
        let mut date = self.local_date(from);
        let mut assumed = !self.is_known_year(date.year());
        if n == 0 {
            while !self.is_workday(date) || self.at_local(date, self.hours.end) <= from {
                date = date.succ_opt().unwrap_or(date);
                assumed |= !self.is_known_year(date.year());
            }
        }
        let mut counted = 0;
        while counted < n {
            let Some(next) = date.succ_opt() else { break };
            date = next;
            assumed |= !self.is_known_year(date.year());
            if self.is_workday(date) {
                counted += 1;
            }
        }
        Due { at: self.at_local(date, self.hours.end), assumed_years: assumed }
    }

    /// Natural time: `from` plus `minutes`, whatever the calendar says.
    #[must_use]
    pub fn add_minutes(from: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        from + Duration::minutes(minutes)
    }

    /// Minutes in one working day, to turn working minutes into days.
    #[must_use]
    pub fn working_day_minutes(&self) -> i64 {
        (self.hours.end - self.hours.start).num_minutes().max(0)
    }

    /// Working time between two instants (negative when `to` is before `from`), for "2 h 10 min
    /// of working time left" and "late by 1 working day 3 h".
    #[must_use]
    pub fn working_minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to < from {
            return -self.working_minutes_between(to, from);
        }
        let (first, last) = (self.local_date(from), self.local_date(to));
        let on = |date: NaiveDate| {
            if !self.is_workday(date) {
                return 0;
            }
            let open = self.at_local(date, self.hours.start).max(from);
            let close = self.at_local(date, self.hours.end).min(to);
            (close - open).num_minutes().max(0)
        };
        if first == last {
            return on(first);
        }
        // The days in between are whole office days, counted rather than walked: a work list
        // asks this for every row, and an overdue ticket can be months late.
        let day = self.working_day_minutes();
        on(first) + self.workdays_strictly_between(first, last) * day + on(last)
    }

    /// Workdays after `first` and before `last`: Monday to Friday by arithmetic, then the
    /// exceptions in the range.
    fn workdays_strictly_between(&self, first: NaiveDate, last: NaiveDate) -> i64 {
        let (Some(start), Some(end)) = (first.succ_opt(), last.pred_opt()) else { return 0 };
        if start > end {
            return 0;
        }
        let weekday = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let days = (end - start).num_days() + 1;
        let mut count = days / 7 * 5;
        let mut date = start + Duration::days(days / 7 * 7);
        while date <= end {
            count += i64::from(weekday(date));
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        for (&date, kind) in self.exceptions.range(start..=end) {
            count += match (weekday(date), kind.is_workday()) {
                (true, false) => -1,
                (false, true) => 1,
                _ => 0,
            };
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar_cn;
    use proptest::prelude::*;

    fn china() -> Calendar {
        let offset = FixedOffset::east_opt(8 * 3600).unwrap();
        Calendar::new(
            calendar_cn::OFFICIAL.iter().map(|d| (d.date(), d.kind)),
            calendar_cn::YEARS.iter().copied(),
            WorkingHours::default(),
            offset,
        )
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn due(from: &str, n: u32) -> String {
        china()
            .add_working_days(at(from), n)
            .at
            .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .to_rfc3339()
    }

    #[test]
    fn spring_festival_2026_is_skipped_and_its_saturdays_count() {
        // Fri 13 Feb: Sat 14 is a make-up workday (1), 15–23 off, Tue 24 (2), Wed 25 (3).
        assert_eq!(due("2026-02-13T10:00:00+08:00", 1), "2026-02-14T17:30:00+08:00");
        assert_eq!(due("2026-02-13T10:00:00+08:00", 3), "2026-02-25T17:30:00+08:00");
        assert_eq!(due("2026-02-16T09:00:00+08:00", 1), "2026-02-24T17:30:00+08:00");
        // Thu 26, Fri 27, Sat 28 (make-up), Mon 2 Mar.
        assert_eq!(due("2026-02-25T18:00:00+08:00", 4), "2026-03-02T17:30:00+08:00");
    }

    #[test]
    fn national_day_2026_is_skipped_and_its_weekends_count() {
        // Sun 20 Sep and Sat 10 Oct are worked; 1–7 Oct are off.
        assert_eq!(due("2026-09-18T12:00:00+08:00", 1), "2026-09-20T17:30:00+08:00");
        assert_eq!(due("2026-09-30T12:00:00+08:00", 1), "2026-10-08T17:30:00+08:00");
        assert_eq!(due("2026-09-30T12:00:00+08:00", 3), "2026-10-10T17:30:00+08:00");
        assert_eq!(due("2026-09-30T12:00:00+08:00", 5), "2026-10-13T17:30:00+08:00");
        // Mid-Autumn 25–27 Sep: Thu 24 → Mon 28.
        assert_eq!(due("2026-09-24T08:00:00+08:00", 1), "2026-09-28T17:30:00+08:00");
    }

    #[test]
    fn counting_starts_the_next_working_day_whatever_the_hour() {
        // Mon 23 Nov 2026, early or late: one working day is Tuesday's close.
        assert_eq!(due("2026-11-23T00:05:00+08:00", 1), "2026-11-24T17:30:00+08:00");
        assert_eq!(due("2026-11-23T23:55:00+08:00", 1), "2026-11-24T17:30:00+08:00");
        // Friday → Monday; 5 working days from a Monday is the next Monday.
        assert_eq!(due("2026-11-27T15:00:00+08:00", 1), "2026-11-30T17:30:00+08:00");
        assert_eq!(due("2026-11-23T10:00:00+08:00", 5), "2026-11-30T17:30:00+08:00");
        // Zero: today's close, or the next working day's when past it.
        assert_eq!(due("2026-11-23T10:00:00+08:00", 0), "2026-11-23T17:30:00+08:00");
        assert_eq!(due("2026-11-23T18:00:00+08:00", 0), "2026-11-24T17:30:00+08:00");
    }

    #[test]
    fn unknown_years_are_flagged() {
        assert!(!china().add_working_days(at("2026-06-01T10:00:00+08:00"), 5).assumed_years);
        assert!(china().add_working_days(at("2026-12-30T10:00:00+08:00"), 5).assumed_years);
    }

    #[test]
    fn working_minutes_count_only_office_hours() {
        let cal = china();
        // Fri 16:30 → Mon 09:30: one hour on Friday, one on Monday.
        let m = cal.working_minutes_between(
            at("2026-11-27T16:30:00+08:00"),
            at("2026-11-30T09:30:00+08:00"),
        );
        assert_eq!(m, 120);
        assert_eq!(
            cal.working_minutes_between(
                at("2026-11-30T09:30:00+08:00"),
                at("2026-11-27T16:30:00+08:00")
            ),
            -120
        );
    }

    /// Working minutes by walking every day: what the counted version must agree with.
    fn walked_minutes(cal: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut total = 0;
        let mut date = cal.local_date(from);
        while date <= cal.local_date(to) {
            if cal.is_workday(date) {
                let open = cal.at_local(date, cal.hours.start).max(from);
                let close = cal.at_local(date, cal.hours.end).min(to);
                total += (close - open).num_minutes().max(0);
            }
            date = date.succ_opt().unwrap();
        }
        total
    }

    proptest! {
        #[test]
        fn counted_working_minutes_match_walking_the_days(
            start in 0i64..1_100_000, span in 0i64..1_100_000
        ) {
            // Minutes from 2025-01-01 over about two years, across holidays, make-up days and
            // the unknown years around them.
            let cal = china();
            let base = at("2024-12-01T00:00:00+08:00");
            let (from, to) = (base + Duration::minutes(start), base + Duration::minutes(start + span));
            prop_assert_eq!(cal.working_minutes_between(from, to), walked_minutes(&cal, from, to));
            prop_assert_eq!(cal.working_minutes_between(to, from), -walked_minutes(&cal, from, to));
        }

        #[test]
        fn n_working_days_lands_on_the_close_of_the_nth_workday(
            day in 0i64..700, minute in 0i64..1440, n in 1u32..30
        ) {
            let cal = china();
            let from = at("2025-01-01T00:00:00+08:00") + Duration::days(day) + Duration::minutes(minute);
            let d = cal.add_working_days(from, n).at;
            let local = d.with_timezone(&cal.offset());
            prop_assert!(d > from);
            prop_assert_eq!(local.time(), cal.hours().end);
            prop_assert!(cal.is_workday(local.date_naive()));
            // Exactly n workdays in (from's date, due date].
            let mut count = 0;
            let mut date = cal.local_date(from);
            while date < local.date_naive() {
                date = date.succ_opt().unwrap();
                if cal.is_workday(date) { count += 1; }
            }
            prop_assert_eq!(count, n);
            prop_assert!(cal.add_working_days(from, n + 1).at > d);
        }
    }
}
