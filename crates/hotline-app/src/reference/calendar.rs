//! The working-day calendar: reading and editing the exception days, and deadline queries.

use std::sync::Arc;

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::calendar::{Calendar, DayKind};
use hotline_domain::role::Permission;
use hotline_domain::sla::Limit;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::reference::CalendarDayRow;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{App, AuditEntry, Ctx, Error, Result};

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// Defaults to this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarDayView {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub source: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    pub year: i32,
    /// Whether the year's schedule was loaded or confirmed as a whole (one entered day does
    /// not make a year known).
    pub known: bool,
    /// Where the confirmation came from: a State Council notice, or the admin who confirmed.
    pub known_source: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub work_start: String,
    pub work_end: String,
    pub utc_offset: String,
    /// The exception days: holidays and make-up workdays.
    pub days: Vec<CalendarDayView>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDayInput {
    #[schema(value_type = hotline_domain::calendar::DayKind)]
    pub kind: String,
    pub name: String,
}

/// `?from=RFC3339&working_days=N` (or `hours=H`, `minutes=M`): exactly one of the three
/// durations.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadlineQuery {
    /// RFC 3339, in the years 2000 to 2100; defaults to now.
    pub from: Option<String>,
    /// Exactly one of `working_days`, `hours` and `minutes`.
    #[param(minimum = 1, maximum = 120)]
    pub working_days: Option<u32>,
    #[param(minimum = 1, maximum = 4320)]
    pub hours: Option<u32>,
    #[param(minimum = 1, maximum = 259_200)]
    pub minutes: Option<u32>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeadlineView {
    /// In the city's local offset.
    pub due: String,
    /// True when the span crosses a year without an entered schedule (weekends assumed).
    pub assumed_years: bool,
}

fn view(row: CalendarDayRow) -> CalendarDayView {
    CalendarDayView { date: row.day, kind: row.kind, name: row.name, source: row.source }
}

impl App {
    /// The calendar in memory now.
    #[must_use]
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar_slot().read().map_or_else(|e| Arc::clone(&e.into_inner()), |c| Arc::clone(&c))
    }

    fn calendar_slot(&self) -> &std::sync::RwLock<Arc<Calendar>> {
        &self.calendar
    }

    /// Loads the calendar from the database.
    pub async fn reload_calendar(&self) -> Result<()> {
        let db = self.store.reader();
        let rows = hotline_store::reference::calendar_days(db, None, None).await?;
        let (hours, offset) = self.config.tickets.working_hours()?;
        let years: Vec<i32> = hotline_store::reference::calendar_years(db)
            .await?
            .into_iter()
            .map(|y| y.year)
            .collect();
        let days = rows.iter().map(|r| (r.day, r.kind));
        let calendar = Arc::new(Calendar::new(days, years, hours, offset));
        match self.calendar_slot().write() {
            Ok(mut slot) => *slot = calendar,
            Err(e) => *e.into_inner() = calendar,
        }
        Ok(())
    }

    /// Reference data is readable by everyone who works with tickets or maintains it.
    pub(crate) async fn authorize_reference_read(&self, ctx: &Ctx) -> Result<()> {
        let principal = ctx.principal.as_ref().ok_or(Error::Unauthenticated)?;
        if principal.scope_for(Permission::TicketRead).is_some()
            || principal.scope_for(Permission::ReferenceManage).is_some()
        {
            return Ok(());
        }
        self.authorize(ctx, Permission::TicketRead, None).await.map(|_| ())
    }

    pub async fn get_calendar(&self, ctx: &Ctx, query: CalendarQuery) -> Result<CalendarView> {
        self.authorize_reference_read(ctx).await?;
        let calendar = self.calendar();
        let year = query.year.unwrap_or_else(|| calendar.local_date(self.now()).year());
        check_year("year", year)?;
        let from = NaiveDate::from_ymd_opt(year, 1, 1);
        let to = NaiveDate::from_ymd_opt(year, 12, 31);
        let db = self.store.reader();
        let rows = hotline_store::reference::calendar_days(db, from, to).await?;
        let confirmation = hotline_store::reference::calendar_years(db)
            .await?
            .into_iter()
            .find(|y| y.year == year);
        let hours = calendar.hours();
        Ok(CalendarView {
            year,
            known: confirmation.is_some(),
            known_source: confirmation.as_ref().map(|c| c.source.clone()),
            confirmed_at: confirmation.map(|c| c.confirmed_at),
            work_start: hours.start.format("%H:%M").to_string(),
            work_end: hours.end.format("%H:%M").to_string(),
            utc_offset: calendar.offset().to_string(),
            days: rows.into_iter().map(view).collect(),
        })
    }

    /// Marks a date as a holiday, a make-up workday or an extra workday.
    pub async fn set_calendar_day(
        &self,
        ctx: &Ctx,
        date: NaiveDate,
        input: CalendarDayInput,
    ) -> Result<CalendarDayView> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        let mut errors = FieldErrors::new();
        errors.take(check_year("date", date.year()));
        let kind = DayKind::parse(&input.kind)
            .ok_or_else(|| FieldError::new("kind", FieldIssue::InvalidValue));
        let kind = errors.take(kind);
        let name = errors.take(bounded_text("name", &input.name, 1, 50));
        errors.into_result()?;
        let (Some(kind), Some(name)) = (kind, name) else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };
        let now = self.now();
        let before =
            hotline_store::reference::calendar_days(self.store.reader(), Some(date), Some(date))
                .await?;
        let row = CalendarDayRow {
            day: date,
            kind,
            name,
            source: format!(
                "edited by {}",
                ctx.principal.as_ref().map_or("system", |p| p.name.as_str())
            ),
            updated_at: now,
        };
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                hotline_store::reference::upsert_calendar_days(tx, vec![row.clone()]).await?;
                let audit = ctx.record(
                    AuditEntry::new(AuditAction::CalendarUpdate).subject("calendar_day", date).detail(
                        json!({
                            "before": before.first().map(|b| json!({"kind": b.kind, "name": b.name})),
                            "after": {"kind": row.kind, "name": row.name},
                        }),
                    ),
                    now,
                );
                tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        self.reload_calendar().await?;
        Ok(view(row))
    }

    /// Returns a date to the ordinary weekday/weekend rule.
    pub async fn clear_calendar_day(&self, ctx: &Ctx, date: NaiveDate) -> Result<()> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        check_year("date", date.year())?;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CalendarUpdate)
                .subject("calendar_day", date)
                .detail(json!({"after": null})),
            self.now(),
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::reference::delete_calendar_day(tx, date).await? {
                        return Err(Error::NotFound("calendar_day"));
                    }
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        self.reload_calendar().await
    }

    /// Confirms that `year`'s schedule is entered in full (after the State Council's notice,
    /// each November): its deadlines stop carrying the `assumed_years` warning.
    pub async fn confirm_calendar_year(&self, ctx: &Ctx, year: i32) -> Result<CalendarView> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        check_year("year", year)?;
        let now = self.now();
        let by = ctx.principal.as_ref().map_or("system", |p| p.name.as_str());
        let row = hotline_store::reference::CalendarYearRow {
            year,
            source: format!("confirmed by {by}"),
            confirmed_at: now,
        };
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CalendarUpdate)
                .subject("calendar_year", year)
                .detail(json!({"year": year, "known": true})),
            now,
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    // Confirming a confirmed year changes nothing and records nothing.
                    if hotline_store::reference::confirm_calendar_year(tx, row).await? {
                        tx.audit([audit]);
                    }
                    Ok::<_, Error>(())
                })
            })
            .await?;
        self.reload_calendar().await?;
        self.get_calendar(ctx, CalendarQuery { year: Some(year) }).await
    }

    /// Withdraws a year's confirmation: its deadlines are marked as assumed again.
    pub async fn unconfirm_calendar_year(&self, ctx: &Ctx, year: i32) -> Result<()> {
        self.authorize(ctx, Permission::ReferenceManage, None).await?;
        check_year("year", year)?;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::CalendarUpdate)
                .subject("calendar_year", year)
                .detail(json!({"year": year, "known": false})),
            self.now(),
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::reference::unconfirm_calendar_year(tx, year).await? {
                        return Err(Error::NotFound("calendar_year"));
                    }
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        self.reload_calendar().await
    }

    /// When something started at `from` is due, for the intake preview.
    pub async fn deadline(&self, ctx: &Ctx, query: DeadlineQuery) -> Result<DeadlineView> {
        self.authorize_reference_read(ctx).await?;
        let mut errors = FieldErrors::new();
        let from = match query.from.as_deref() {
            None => Some(self.now()),
            Some(raw) => errors.take(
                DateTime::parse_from_rfc3339(raw.trim()).map(|t| t.with_timezone(&Utc)).map_err(
                    |_| {
                        FieldError::new("from", FieldIssue::InvalidFormat)
                            .with_detail("RFC 3339, e.g. 2026-02-13T10:00:00+08:00")
                    },
                ),
            ),
        };
        // A start outside the calendar's years could end past year 9999, which RFC 3339
        // cannot write.
        let from = from.and_then(|t| errors.take(check_year("from", t.year()).map(|()| t)));
        let limit = match (query.working_days, query.hours, query.minutes) {
            (Some(n), None, None) => Some(Limit::working_days(n)),
            (None, Some(n), None) => Some(Limit::hours(n)),
            (None, None, Some(n)) => Some(Limit::minutes(n)),
            (None, None, None) => {
                errors.push(
                    FieldError::new("working_days", FieldIssue::Required)
                        .with_detail("give working_days, hours or minutes"),
                );
                None
            }
            _ => {
                errors.push(
                    FieldError::new("working_days", FieldIssue::NotAllowed)
                        .with_detail("give only one of working_days, hours, minutes"),
                );
                None
            }
        };
        let limit = limit.and_then(|l| {
            let field = match l.unit {
                hotline_domain::sla::LimitUnit::WorkingDays => "working_days",
                hotline_domain::sla::LimitUnit::Hours => "hours",
                hotline_domain::sla::LimitUnit::Minutes => "minutes",
            };
            errors.take(l.validate(field))
        });
        errors.into_result()?;
        let (Some(from), Some(limit)) = (from, limit) else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };
        let calendar = self.calendar();
        let due = limit.due(&calendar, from);
        Ok(DeadlineView {
            due: due.at.with_timezone(&calendar.offset()).to_rfc3339(),
            assumed_years: due.assumed_years,
        })
    }
}

/// Dates the calendar takes: its seeded schedules and a century of room around them.
pub fn check_year(field: &str, year: i32) -> std::result::Result<(), FieldError> {
    if CALENDAR_YEARS.contains(&year) {
        Ok(())
    } else {
        Err(FieldError::new(field, FieldIssue::InvalidValue).with_detail(format!(
            "years {} to {}",
            CALENDAR_YEARS.start(),
            CALENDAR_YEARS.end()
        )))
    }
}

pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The calendar rows to seed: the official schedules shipped with the binary.
pub(crate) fn official_rows(now: DateTime<Utc>) -> Vec<CalendarDayRow> {
    hotline_domain::calendar_cn::OFFICIAL
        .iter()
        .map(|d| CalendarDayRow {
            day: d.date(),
            kind: d.kind,
            name: d.name.to_owned(),
            source: format!("国务院办公厅 {} 年部分节假日安排", d.y),
            updated_at: now,
        })
        .collect()
}
