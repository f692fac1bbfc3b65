//! The center's bonuses and deductions to a unit's score (加减分): points with a day and a
//! reason, carried by the unit's score over any period that holds the day. Adding and removing
//! one is audited; the unit sees them beside its figures.

use chrono::NaiveDate;
use hotline_domain::audit::AuditAction;
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::stats::AdjustmentRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::units::Period;
use super::{required_text, unit_ref};
use crate::identity::orgs::path_of;
use crate::tickets::views::OrgRef;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// The most points one adjustment moves a score by, either way.
const MAX_POINTS: f64 = 100.0;
const MAX_REASON: usize = 500;

/// `GET /stats/adjustments?from=…&to=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentQuery {
    /// First day, `YYYY-MM-DD`; default the first of this month.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
    /// One unit's only.
    pub org_id: Option<Uuid>,
}

/// `POST /stats/adjustments`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    pub org_id: Uuid,
    /// `YYYY-MM-DD`: the period holding this day carries it.
    pub day: String,
    /// A bonus (positive) or a deduction (negative), −100 to 100, not 0.
    pub points: f64,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AdjustmentView {
    pub id: Uuid,
    pub org: OrgRef,
    pub day: String,
    pub points: f64,
    pub reason: String,
    pub created_by: Uuid,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl App {
    async fn adjustment_view(&self, row: AdjustmentRow) -> Result<AdjustmentView> {
        let reference = self.reference().await?;
        Ok(AdjustmentView {
            id: row.id,
            org: unit_ref(&reference, row.org_id),
            day: row.day,
            points: row.points,
            reason: row.reason,
            created_by: row.created_by,
            created_at: row.created_at,
        })
    }

    /// The adjustments in the caller's reach over a period.
    pub async fn list_adjustments(
        &self,
        ctx: &Ctx,
        query: &AdjustmentQuery,
    ) -> Result<Vec<AdjustmentView>> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        let period = Period::parse(
            query.from.as_deref(),
            query.to.as_deref(),
            self.calendar().local_date(self.now()),
        )?;
        let reference = self.reference().await?;
        let mut out = Vec::new();
        for row in
            hotline_store::stats::adjustments(self.store.reader(), period.from, period.to).await?
        {
            let in_reach =
                reference.orgs.get(&row.org_id).is_some_and(|o| scope.contains(&path_of(o)));
            if in_reach && query.org_id.is_none_or(|id| id == row.org_id) {
                out.push(self.adjustment_view(row).await?);
            }
        }
        Ok(out)
    }

    /// The center gives a unit a bonus or a deduction, with its reason.
    pub async fn add_adjustment(
        &self,
        ctx: &Ctx,
        input: &AdjustmentInput,
    ) -> Result<AdjustmentView> {
        let (principal, _) = self.authorize(ctx, Permission::StatsPublish, None).await?;
        let user = principal.user_id().ok_or(Error::Forbidden)?;
        let reference = self.reference().await?;
        let mut errors = FieldErrors::new();
        if reference.orgs.get(&input.org_id).is_none_or(|o| o.parent_id.is_none()) {
            errors.push(FieldError::new("org_id", FieldIssue::InvalidValue));
        }
        let day = NaiveDate::parse_from_str(input.day.trim(), "%Y-%m-%d");
        if day.is_err() {
            errors
                .push(FieldError::new("day", FieldIssue::InvalidFormat).with_detail("YYYY-MM-DD"));
        }
        if !input.points.is_finite() || input.points == 0.0 || input.points.abs() > MAX_POINTS {
            errors.push(
                FieldError::new("points", FieldIssue::InvalidValue)
                    .with_detail("-100 to 100, not 0"),
            );
        }
        let reason = required_text("reason", &input.reason, MAX_REASON, &mut errors);
        errors.into_result()?;
        let now = self.now();
        let row = AdjustmentRow {
            id: Uuid::now_v7(),
            org_id: input.org_id,
            day: day.map(|d| d.to_string()).unwrap_or_default(),
            points: (input.points * 100.0).round() / 100.0,
            reason,
            created_by: user.as_uuid(),
            created_at: now,
        };
        let record = ctx.record(
            AuditEntry::new(AuditAction::StatsAdjust).subject("org", input.org_id).detail(
                json!({"adjustment_id": row.id, "day": row.day, "points": row.points, "added": true}),
            ),
            now,
        );
        let saved = row.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::stats::insert_adjustment(&**tx, saved).await?;
                    tx.audit([record]);
                    Ok::<_, Error>(())
                })
            })
            .await?;
        self.adjustment_view(row).await
    }

    /// Takes an adjustment back (the audit trail keeps that it was given).
    pub async fn remove_adjustment(&self, ctx: &Ctx, id: Uuid) -> Result<()> {
        self.authorize(ctx, Permission::StatsPublish, None).await?;
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::stats::delete_adjustment(&**tx, id)
                        .await?
                        .ok_or(Error::NotFound("adjustment"))?;
                    tx.audit([ctx.record(
                        AuditEntry::new(AuditAction::StatsAdjust).subject("org", row.org_id).detail(
                            json!({"adjustment_id": id, "day": row.day, "points": row.points, "added": false}),
                        ),
                        now,
                    )]);
                    Ok(())
                })
            })
            .await
    }
}
