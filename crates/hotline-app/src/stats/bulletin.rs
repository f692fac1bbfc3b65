//! The monthly assessment bulletin (考核通报): once a month is over, the center publishes its
//! unit figures, scores and ranks with each group's red and black lists (红黑榜). What is
//! published stands: it is kept as it was, so a later recount (a correction, an approved
//! appeal) changes the running figures, never a published month.

use chrono::{Datelike as _, NaiveDate};
use hotline_domain::audit::AuditAction;
use hotline_domain::conflict::Conflict;
use hotline_domain::org::OrgKind;
use hotline_domain::role::Permission;
use hotline_domain::stats::red_and_black;
use hotline_domain::{FieldError, FieldIssue};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::units::{UnitsQuery, UnitsReport};
use crate::{App, AuditEntry, Ctx, Error, Result};

/// Units on each group's red and on its black list.
const LIST_LENGTH: usize = 3;

/// A published month.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bulletin {
    /// `YYYY-MM`.
    pub month: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub published_by: Option<Uuid>,
    /// The figures as they were when published (units with their sub-units).
    pub report: UnitsReport,
    /// Per group (`district`, `bureau`, `street`): the best units, best first (红榜).
    pub red: Vec<ListedUnit>,
    /// … and the worst, worst first (黑榜).
    pub black: Vec<ListedUnit>,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListedUnit {
    pub kind: OrgKind,
    pub org_id: Uuid,
    pub name: String,
    pub score: Option<f64>,
    pub rank: Option<usize>,
}

/// A line of the list of bulletins.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BulletinSummary {
    pub month: String,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub published_by: Option<Uuid>,
}

/// `POST /stats/bulletins`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    /// The month, `YYYY-MM`; it must be over.
    pub month: String,
}

/// The first and last day of `YYYY-MM`.
pub(super) fn month_days(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").ok()?;
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next.pred_opt()?))
}

impl App {
    /// Publishes a month that is over; the first publication stands (409 after it).
    pub async fn publish_bulletin(&self, ctx: &Ctx, input: &PublishInput) -> Result<Bulletin> {
        let (principal, _) = self.authorize(ctx, Permission::StatsPublish, None).await?;
        let (from, to) = month_days(&input.month).ok_or_else(|| {
            FieldError::new("month", FieldIssue::InvalidFormat).with_detail("YYYY-MM")
        })?;
        let today = self.calendar().local_date(self.now());
        if to >= today {
            return Err(FieldError::new("month", FieldIssue::InvalidValue)
                .with_detail("the month is not over")
                .into());
        }
        let month = format!("{:04}-{:02}", from.year(), from.month());
        let query = UnitsQuery {
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            subunits: Some(true),
            format: None,
        };
        let report = self.unit_figures(ctx, &query).await?;
        let (mut red, mut black) = (Vec::new(), Vec::new());
        for kind in [OrgKind::District, OrgKind::Bureau, OrgKind::Street, OrgKind::Community] {
            let group: Vec<_> = report.items.iter().filter(|u| u.kind == kind).collect();
            let ranks: Vec<Option<usize>> = group.iter().map(|u| u.rank).collect();
            let (best, worst) = red_and_black(&ranks, LIST_LENGTH);
            let listed = |i: usize| ListedUnit {
                kind,
                org_id: group[i].org_id,
                name: group[i].name.clone(),
                score: group[i].score,
                rank: group[i].rank,
            };
            red.extend(best.into_iter().map(listed));
            black.extend(worst.into_iter().map(listed));
        }
        let now = self.now();
        let bulletin = Bulletin {
            month: month.clone(),
            published_at: now,
            published_by: principal.user_id().map(|u| u.as_uuid()),
            report,
            red,
            black,
        };
        let row = hotline_store::stats::BulletinRow {
            month: month.clone(),
            report: serde_json::to_string(&bulletin).map_err(|e| Error::Internal(e.into()))?,
            published_by: bulletin.published_by,
            published_at: now,
        };
        let record = ctx.record(
            AuditEntry::new(AuditAction::StatsPublish)
                .subject("stat_bulletin", &month)
                .detail(json!({"month": month, "units": bulletin.report.items.len()})),
            now,
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::stats::insert_bulletin(&**tx, row).await? {
                        return Err(Error::conflict(Conflict::AlreadyPublished));
                    }
                    tx.audit([record]);
                    Ok(())
                })
            })
            .await?;
        Ok(bulletin)
    }

    pub async fn list_bulletins(&self, ctx: &Ctx) -> Result<Vec<BulletinSummary>> {
        self.authorize(ctx, Permission::StatsRead, None).await?;
        Ok(hotline_store::stats::bulletins(self.store.reader())
            .await?
            .into_iter()
            .map(|(month, published_by, published_at)| BulletinSummary {
                month,
                published_at,
                published_by,
            })
            .collect())
    }

    /// A published month as it was published: a bulletin is public to everyone who reads
    /// figures, units included (通报).
    pub async fn bulletin(&self, ctx: &Ctx, month: &str) -> Result<Bulletin> {
        self.authorize(ctx, Permission::StatsRead, None).await?;
        let row = hotline_store::stats::bulletin(self.store.reader(), month.trim())
            .await?
            .ok_or(Error::NotFound("bulletin"))?;
        serde_json::from_str(&row.report).map_err(|e| Error::Internal(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(month_days("2028-02"), d("2028-02-01").zip(d("2028-02-29")));
        assert_eq!(month_days("2026-12"), d("2026-12-01").zip(d("2026-12-31")));
        assert_eq!(month_days("2026-13"), None);
        assert_eq!(month_days("November"), None);
    }
}
