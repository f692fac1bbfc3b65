//! The report builder's rules (自定义报表): what a table can be cut by ([`Dimension`]), what it
//! shows in each cell ([`Figure`]: a count from the rollups or an indicator computed from
//! counts), and the periods a saved report names relative to the day it is run ([`Range`]), so
//! "last month by unit" saved in November still means last month when opened in January.

use chrono::{Datelike as _, Duration, NaiveDate};

use crate::stats::{Indicators, Measure, Measures, SatisfactionWeights};

/// At most this many dimensions cut one table (rows × series in its chart).
pub const MAX_DIMENSIONS: usize = 2;
/// At most this many figures per row.
pub const MAX_FIGURES: usize = 12;
/// The longest period a report covers.
pub const MAX_DAYS: i64 = 366;

crate::code_enum! {
    /// What a report's rows are grouped by.
    pub enum Dimension {
        Day = "day",
        /// ISO week, Monday first.
        Week = "week",
        Month = "month",
        /// The org each count belongs to, itself only.
        Unit = "unit",
        /// 一级承办单位: a street counts under its district, a district or a bureau under itself.
        FirstLevelUnit = "first_level_unit",
        /// The category as registered.
        Category = "category",
        /// The category's top level.
        TopCategory = "top_category",
        Channel = "channel",
    }
}

impl Dimension {
    /// Whether it cuts by time; such a table cannot be compared with the period before.
    #[must_use]
    pub const fn is_time(self) -> bool {
        match self {
            Self::Day | Self::Week | Self::Month => true,
            Self::Unit
            | Self::FirstLevelUnit
            | Self::Category
            | Self::TopCategory
            | Self::Channel => false,
        }
    }

    /// The first and last day of the time bucket `day` falls in (`None` for a dimension not of
    /// time).
    #[must_use]
    pub fn bucket(self, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Self::Day => Some((day, day)),
            Self::Week => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                Some((monday, monday + Duration::days(6)))
            }
            Self::Month => {
                let first = day.with_day(1)?;
                let next = first.checked_add_months(chrono::Months::new(1))?;
                Some((first, next.pred_opt()?))
            }
            Self::Unit
            | Self::FirstLevelUnit
            | Self::Category
            | Self::TopCategory
            | Self::Channel => None,
        }
    }

    /// How a time bucket starting on `first` is written: `2026-11-24`, `2026-W48`, `2026-11`.
    #[must_use]
    pub fn bucket_code(self, first: NaiveDate) -> Option<String> {
        match self {
            Self::Day => Some(first.format("%Y-%m-%d").to_string()),
            Self::Week => {
                let week = first.iso_week();
                Some(format!("{}-W{:02}", week.year(), week.week()))
            }
            Self::Month => Some(first.format("%Y-%m").to_string()),
            Self::Unit
            | Self::FirstLevelUnit
            | Self::Category
            | Self::TopCategory
            | Self::Channel => None,
        }
    }
}

crate::code_enum! {
    /// The indicators of [`Indicators`], each a figure a report can show.
    pub enum Rate {
        ResponseRate = "response_rate",
        TimelyAcceptRate = "timely_accept_rate",
        OnTimeRate = "on_time_rate",
        FinishRate = "finish_rate",
        ResolutionRate = "resolution_rate",
        SatisfactionRate = "satisfaction_rate",
        CallbackRate = "callback_rate",
        ReopenRate = "reopen_rate",
        ReturnRate = "return_rate",
        ReturnOverruledRate = "return_overruled_rate",
        ExtensionRate = "extension_rate",
        UrgeRate = "urge_rate",
        SupervisionRate = "supervision_rate",
        FirstTimeRate = "first_time_rate",
        /// In working days, not a fraction.
        AverageFinishDays = "average_finish_days",
        DirectAnswerRate = "direct_answer_rate",
    }
}

impl Rate {
    #[must_use]
    pub const fn of(self, i: &Indicators) -> Option<f64> {
        match self {
            Self::ResponseRate => i.response_rate,
            Self::TimelyAcceptRate => i.timely_accept_rate,
            Self::OnTimeRate => i.on_time_rate,
            Self::FinishRate => i.finish_rate,
            Self::ResolutionRate => i.resolution_rate,
            Self::SatisfactionRate => i.satisfaction_rate,
            Self::CallbackRate => i.callback_rate,
            Self::ReopenRate => i.reopen_rate,
            Self::ReturnRate => i.return_rate,
            Self::ReturnOverruledRate => i.return_overruled_rate,
            Self::ExtensionRate => i.extension_rate,
            Self::UrgeRate => i.urge_rate,
            Self::SupervisionRate => i.supervision_rate,
            Self::FirstTimeRate => i.first_time_rate,
            Self::AverageFinishDays => i.average_finish_days,
            Self::DirectAnswerRate => i.direct_answer_rate,
        }
    }
}

/// What one column of a report shows: a count summed from the rollups, or an indicator
/// computed from the summed counts of the row (never an average of rates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Figure {
    Count(Measure),
    Rate(Rate),
}

impl Figure {
    /// Every figure, counts first.
    #[must_use]
    pub fn all() -> Vec<Self> {
        Measure::ALL
            .iter()
            .map(|m| Self::Count(*m))
            .chain(Rate::ALL.iter().map(|r| Self::Rate(*r)))
            .collect()
    }

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Count(m) => m.as_str(),
            Self::Rate(r) => r.as_str(),
        }
    }

    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        Measure::parse(code).map(Self::Count).or_else(|| Rate::parse(code).map(Self::Rate))
    }

    /// The figure for a row whose counts sum to `m`; a rate is `None` when nothing was due.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "ticket counts are far below 2^52")]
    pub fn value(
        self,
        m: &Measures,
        weights: SatisfactionWeights,
        day_minutes: i64,
    ) -> Option<f64> {
        match self {
            Self::Count(measure) => Some(m.get(measure) as f64),
            Self::Rate(rate) => rate.of(&Indicators::of(m, weights, day_minutes)),
        }
    }
}

impl serde::Serialize for Figure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Figure {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&code).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "unknown figure `{code}`: a count or a rate code"
            ))
        })
    }
}

impl utoipa::PartialSchema for Figure {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let codes: Vec<&str> = Self::all().into_iter().map(Self::as_str).collect();
        utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .description(Some("A count (a measure of the rollups) or an indicator."))
                .enum_values(Some(codes))
                .build(),
        ))
    }
}

impl utoipa::ToSchema for Figure {}

crate::code_enum! {
    /// The period a report covers, named relative to the day it runs (`custom`: fixed days).
    pub enum Range {
        Today = "today",
        Last7Days = "last_7_days",
        Last30Days = "last_30_days",
        ThisMonth = "this_month",
        LastMonth = "last_month",
        ThisYear = "this_year",
        Custom = "custom",
    }
}

impl Range {
    /// The days it covers when run on `today` (`None` for `custom`, whose days are given).
    #[must_use]
    pub fn days(self, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let first_of_month = today.with_day(1)?;
        match self {
            Self::Today => Some((today, today)),
            Self::Last7Days => Some((today - Duration::days(6), today)),
            Self::Last30Days => Some((today - Duration::days(29), today)),
            Self::ThisMonth => Some((first_of_month, today)),
            Self::LastMonth => {
                let last = first_of_month.pred_opt()?;
                Some((last.with_day(1)?, last))
            }
            Self::ThisYear => Some((today.with_ordinal(1)?, today)),
            Self::Custom => None,
        }
    }
}

/// The period of the same length just before `from`–`to`, to compare with (环比).
#[must_use]
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let length = (to - from).num_days() + 1;
    (from - Duration::days(length), from - Duration::days(1))
}

impl Figure {
    /// How a figure moved against the period before: a count by its relative change (+25%),
    /// an indicator by the difference (a rate in points, as 环比 of a rate is read: 0.80 →
    /// 0.88 is +0.08; the average finishing time in days).
    #[must_use]
    pub fn change(self, now: Option<f64>, before: Option<f64>) -> Option<f64> {
        match self {
            Self::Count(_) => change(now, before),
            Self::Rate(_) => Some(now? - before?),
        }
    }
}

/// How `now` compares with `before`: the relative change, `None` when there was nothing before.
#[must_use]
pub fn change(now: Option<f64>, before: Option<f64>) -> Option<f64> {
    match (now, before) {
        (Some(now), Some(before)) if before.abs() > f64::EPSILON => Some((now - before) / before),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a day")
    }

    #[test]
    fn buckets_cover_their_day_and_are_named_as_people_read_them() {
        let d = day("2026-11-26"); // a Thursday
        assert_eq!(Dimension::Week.bucket(d), Some((day("2026-11-23"), day("2026-11-29"))));
        assert_eq!(Dimension::Month.bucket(d), Some((day("2026-11-01"), day("2026-11-30"))));
        assert_eq!(
            Dimension::Month.bucket(day("2026-12-31")),
            Some((day("2026-12-01"), day("2026-12-31")))
        );
        assert_eq!(Dimension::Week.bucket_code(day("2026-11-23")).as_deref(), Some("2026-W48"));
        assert_eq!(Dimension::Week.bucket_code(day("2027-01-01")).as_deref(), Some("2026-W53"));
        assert_eq!(Dimension::Month.bucket_code(day("2026-11-01")).as_deref(), Some("2026-11"));
        assert_eq!(Dimension::Unit.bucket(d), None);
    }

    #[test]
    fn relative_ranges_move_with_the_day_they_run() {
        let today = day("2027-01-15");
        assert_eq!(Range::LastMonth.days(today), Some((day("2026-12-01"), day("2026-12-31"))));
        assert_eq!(Range::ThisMonth.days(today), Some((day("2027-01-01"), today)));
        assert_eq!(Range::Last7Days.days(today), Some((day("2027-01-09"), today)));
        assert_eq!(Range::ThisYear.days(today), Some((day("2027-01-01"), today)));
        assert_eq!(Range::Custom.days(today), None);
        assert_eq!(
            previous_period(day("2026-11-01"), day("2026-11-30")),
            (day("2026-10-02"), day("2026-10-31"))
        );
    }

    #[test]
    fn figures_parse_from_either_family_and_rates_come_from_summed_counts() {
        assert_eq!(Figure::parse("intake"), Some(Figure::Count(Measure::Intake)));
        assert_eq!(Figure::parse("satisfaction_rate"), Some(Figure::Rate(Rate::SatisfactionRate)));
        assert_eq!(Figure::parse("score"), None);
        let codes: std::collections::HashSet<&str> =
            Figure::all().into_iter().map(Figure::as_str).collect();
        assert_eq!(codes.len(), Measure::ALL.len() + Rate::ALL.len(), "no code is shared");

        let mut m = Measures::zero();
        m.set(Measure::Intake, 10);
        m.set(Measure::AnsweredDirectly, 4);
        let w = SatisfactionWeights::default();
        assert_eq!(Figure::Count(Measure::Intake).value(&m, w, 480), Some(10.0));
        assert_eq!(Figure::Rate(Rate::DirectAnswerRate).value(&m, w, 480), Some(0.4));
        assert_eq!(Figure::Rate(Rate::SatisfactionRate).value(&m, w, 480), None);
        assert_eq!(change(Some(30.0), Some(10.0)), Some(2.0));
        assert_eq!(change(Some(3.0), Some(0.0)), None);
        let rate = Figure::Rate(Rate::SatisfactionRate);
        let moved = rate.change(Some(0.88), Some(0.8)).expect("both there");
        assert!((moved - 0.08).abs() < 1e-9, "points, not +10%: {moved}");
        assert_eq!(rate.change(Some(0.9), None), None);
        assert_eq!(Figure::Count(Measure::Intake).change(Some(15.0), Some(10.0)), Some(0.5));
    }
}
