//! Repeat callers (重复来电) over a period: who appealed again and again, shown by masked number
//! with their appeals, so the center can see a matter that is not being settled. The early
//! warning raises an alert at the moment a caller passes its threshold; this is the period's
//! whole list.

use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::role::{Permission, Scope};
use hotline_domain::{FieldError, FieldIssue};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Period;
use crate::paging::{PageOf, Paging};
use crate::tickets::TicketSummary;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// Appeals listed per caller (the newest); `appeals` says how many there were.
const LISTED: u64 = 10;

/// `GET /stats/callers?from=…&to=…&min=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallersQuery {
    /// First day, `YYYY-MM-DD`; default the first of this month.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
    /// Fewest appeals in the period to be listed: 2–100, default 2.
    pub min: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// One caller: never the number, only its mask.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RepeatCallerView {
    /// e.g. `138****8000`; `***` when every listed appeal of it is confidential.
    pub caller: String,
    /// Appeals registered in the period.
    pub appeals: i64,
    /// … of which not finished yet.
    pub open: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// The newest appeals, up to ten.
    pub tickets: Vec<TicketSummary>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RepeatCallers {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub min: i64,
    pub callers: PageOf<RepeatCallerView>,
}

impl App {
    /// The period's repeat callers, most appeals first; the center's only (the city's callers).
    pub async fn repeat_callers(&self, ctx: &Ctx, query: &CallersQuery) -> Result<RepeatCallers> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        if scope != Scope::City {
            return Err(Error::Forbidden);
        }
        let (principal, _) = self.authorize(ctx, Permission::TicketRead, None).await?;
        let period = Period::parse(query.from.as_deref(), query.to.as_deref(), self.today())?;
        let min = query.min.unwrap_or(2);
        if !(2..=100).contains(&min) {
            return Err(FieldError::new("min", FieldIssue::InvalidValue).with_limit(100).into());
        }
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let calendar = self.calendar();
        let (from, until) = (
            calendar.day_start(period.from),
            calendar.day_start(period.to.succ_opt().unwrap_or(period.to)),
        );
        let db = self.store.reader();
        let (found, total) =
            hotline_store::alerts::repeat_callers(db, from, until, min, page).await?;
        let mut callers = Vec::with_capacity(found.len());
        for caller in found {
            let rows =
                hotline_store::alerts::caller_tickets(db, &caller.phone_idx, from, until, LISTED)
                    .await?;
            // A confidential appeal (保密) shows no caller, not even masked.
            let masked = rows
                .iter()
                .filter(|r| !r.confidential)
                .find_map(|r| r.caller_phone_masked.clone())
                .unwrap_or_else(|| "***".to_owned());
            callers.push(RepeatCallerView {
                caller: masked,
                appeals: caller.tickets,
                open: caller.open,
                first_at: caller.first_at,
                last_at: caller.last_at,
                tickets: self.summaries(&principal, rows).await?,
            });
        }
        self.audit_now(vec![ctx.record(
            AuditEntry::new(AuditAction::TicketList).detail(json!({
                "stats": "repeat_callers", "from": period.from, "to": period.to, "min": min,
                "page": page.page, "returned": callers.len(),
            })),
            self.now(),
        )])
        .await?;
        Ok(RepeatCallers {
            from: period.from,
            to: period.to,
            min,
            callers: PageOf::new(callers, total, page),
        })
    }
}
