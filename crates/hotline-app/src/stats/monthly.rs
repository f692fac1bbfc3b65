//! The standard monthly report (月度报告): the month's volumes (per day, channel and category),
//! the city's indicators, every unit's 三率 with its rank, and the alerts raised — what the
//! center sends up each month, as JSON or as one workbook. Read from the rollups.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone as _};
use hotline_domain::audit::AuditAction;
use hotline_domain::role::{Permission, Scope};
use hotline_domain::stats::{Indicators, Measure, Measures};
use hotline_domain::ticket::Channel;
use hotline_domain::{FieldError, FieldIssue};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::bulletin::month_days;
use super::{CategoryCount, DayCount, UnitsQuery, UnitsReport, category_mix};
use crate::alerts::AlertView;
use crate::paging::ListFormat;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// Alerts listed in one month's report.
const MAX_ALERTS: u64 = 500;

/// `GET /stats/monthly/{month}?format=xlsx`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    /// `xlsx` for one workbook with a sheet per part (`csv` is refused: it holds one table).
    #[param(inline)]
    pub format: Option<ListFormat>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelCount {
    pub channel: Channel,
    pub count: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MonthlyReport {
    /// `YYYY-MM`.
    pub month: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Appeals taken in.
    pub intake: i64,
    pub answered_directly: i64,
    /// Work orders units were assessed on (each once, at its handler), and finished.
    pub dispatched: i64,
    pub finished: i64,
    /// The city's indicators over every unit's counts.
    pub indicators: Indicators,
    /// Every day of the month.
    pub days: Vec<DayCount>,
    pub channels: Vec<ChannelCount>,
    /// Top-level categories, most first.
    pub categories: Vec<CategoryCount>,
    /// Every unit's figures with sub-units, scored and ranked.
    pub units: UnitsReport,
    /// Alerts raised in the month (surges, hotspots …), newest first.
    pub alerts: Vec<AlertView>,
}

impl App {
    /// The center's monthly report; a month not over yet runs to today.
    pub async fn monthly_report(
        &self,
        ctx: &Ctx,
        month: &str,
        format: ListFormat,
    ) -> Result<MonthlyReport> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        if scope != Scope::City {
            return Err(Error::Forbidden);
        }
        if format == ListFormat::Csv {
            return Err(FieldError::new("format", FieldIssue::InvalidValue)
                .with_detail("json or xlsx")
                .into());
        }
        let (from, last) = month_days(month).ok_or_else(|| {
            FieldError::new("month", FieldIssue::InvalidFormat).with_detail("YYYY-MM")
        })?;
        let today = self.calendar().local_date(self.now());
        if from > today {
            return Err(FieldError::new("month", FieldIssue::InvalidValue)
                .with_detail("a month to come")
                .into());
        }
        let to = last.min(today);
        let db = self.store.reader();
        let reference = self.reference().await?;
        let center = self.center_id().await?;

        let by_day: HashMap<NaiveDate, Measures> =
            hotline_store::stats::days_of(db, center, from, to).await?.into_iter().collect();
        let days: Vec<DayCount> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|day| DayCount {
                day,
                intake: by_day.get(&day).map_or(0, |m| m.get(Measure::Intake)),
                answered_directly: by_day.get(&day).map_or(0, |m| m.get(Measure::AnsweredDirectly)),
            })
            .collect();
        let mut channels: Vec<ChannelCount> =
            hotline_store::stats::sums_by_channel(db, center, from, to)
                .await?
                .into_iter()
                .map(|(channel, m)| ChannelCount { channel, count: m.get(Measure::Intake) })
                .filter(|c| c.count > 0)
                .collect();
        channels.sort_by_key(|c| std::cmp::Reverse(c.count));
        let categories = category_mix(
            &reference,
            hotline_store::stats::intake_by_category(db, center, from, to).await?,
        );
        let mut city = Measures::zero();
        for (_, m) in hotline_store::stats::sums_by_org(db, from, to).await? {
            city.add(&m);
        }
        let units = self
            .unit_figures(
                ctx,
                &UnitsQuery {
                    from: Some(from.to_string()),
                    to: Some(to.to_string()),
                    subunits: Some(true),
                    format: None,
                },
            )
            .await?;
        let offset = self.calendar().offset();
        let start = |day: NaiveDate| {
            day.and_hms_opt(0, 0, 0)
                .and_then(|t| offset.from_local_datetime(&t).single())
                .map(|t| t.with_timezone(&chrono::Utc))
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("no local midnight on {day}")))
        };
        let rows = hotline_store::alerts::raised_between(
            db,
            start(from)?,
            start(to + chrono::Duration::days(1))?,
            MAX_ALERTS,
        )
        .await?;
        let mut alerts = Vec::with_capacity(rows.len());
        for row in rows {
            alerts.push(self.alert_view(row).await?);
        }
        if format != ListFormat::Json {
            self.audit_now(vec![
                ctx.record(
                    AuditEntry::new(AuditAction::StatsExport)
                        .detail(json!({"report": "monthly", "month": month})),
                    self.now(),
                ),
            ])
            .await?;
        }
        let weights = self.config.stats.weights();
        Ok(MonthlyReport {
            month: month.trim().to_owned(),
            from,
            to,
            intake: city.get(Measure::Intake),
            answered_directly: city.get(Measure::AnsweredDirectly),
            dispatched: city.get(Measure::Assigned),
            finished: city.get(Measure::Finished),
            indicators: Indicators::of(&city, weights, self.calendar().working_day_minutes()),
            days,
            channels,
            categories,
            units,
            alerts,
        })
    }
}
