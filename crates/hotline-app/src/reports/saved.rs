//! Saved reports (我的报表): a user's own report definitions by name. Nobody else sees them;
//! another user's report answers 404 as if it did not exist.

use chrono::{DateTime, Utc};
use hotline_domain::FieldError;
use hotline_domain::audit::AuditAction;
use hotline_domain::role::Permission;
use hotline_store::reports::SavedReportRow;
use hotline_store::unique_violation;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::ReportDefinition;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// The most reports one user keeps.
const MAX_SAVED: u64 = 200;
const MAX_NAME: usize = 100;

/// `POST /reports`, `PUT /reports/{id}`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedReportInput {
    /// Unique among the user's reports.
    pub name: String,
    pub definition: ReportDefinition,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SavedReport {
    pub id: Uuid,
    pub name: String,
    pub definition: ReportDefinition,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: SavedReportRow) -> Result<SavedReport> {
    // Written by this module from a checked definition; a row that no longer reads is a bug.
    let definition = serde_json::from_str(&row.definition)
        .map_err(|e| Error::Internal(anyhow::anyhow!("saved report {}: {e}", row.id)))?;
    Ok(SavedReport {
        id: row.id,
        name: row.name,
        definition,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn taken(err: &hotline_store::Error) -> Option<Error> {
    unique_violation(err).map(|_| {
        Error::AlreadyExists(FieldError::new("name", hotline_domain::FieldIssue::AlreadyExists))
    })
}

impl App {
    /// The signed-in user, who owns saved reports (an API token has none).
    async fn report_owner(&self, ctx: &Ctx) -> Result<Uuid> {
        let (principal, _) = self.authorize(ctx, Permission::StatsRead, None).await?;
        Ok(principal.user_id().ok_or(Error::Forbidden)?.as_uuid())
    }

    /// The name trimmed and bounded, and the definition run once so a report that cannot run
    /// is never kept.
    async fn checked_report(&self, ctx: &Ctx, input: &SavedReportInput) -> Result<String> {
        let name = hotline_domain::validation::bounded_text("name", &input.name, 1, MAX_NAME)?;
        self.plan(ctx, &input.definition).await?;
        Ok(name)
    }

    async fn own_report(&self, owner: Uuid, id: Uuid) -> Result<SavedReportRow> {
        hotline_store::reports::find(self.store.reader(), id)
            .await?
            .filter(|r| r.owner_id == owner)
            .ok_or(Error::NotFound("report"))
    }

    pub async fn list_saved_reports(&self, ctx: &Ctx) -> Result<Vec<SavedReport>> {
        let owner = self.report_owner(ctx).await?;
        hotline_store::reports::of_owner(self.store.reader(), owner)
            .await?
            .into_iter()
            .map(view)
            .collect()
    }

    pub async fn get_saved_report(&self, ctx: &Ctx, id: Uuid) -> Result<SavedReport> {
        let owner = self.report_owner(ctx).await?;
        view(self.own_report(owner, id).await?)
    }

    pub async fn save_report(&self, ctx: &Ctx, input: &SavedReportInput) -> Result<SavedReport> {
        let owner = self.report_owner(ctx).await?;
        let name = self.checked_report(ctx, input).await?;
        if hotline_store::reports::count_of(self.store.reader(), owner).await? >= MAX_SAVED {
            return Err(FieldError::new("name", hotline_domain::FieldIssue::TooLong)
                .with_limit(usize::try_from(MAX_SAVED).unwrap_or(usize::MAX))
                .with_detail("too many saved reports")
                .into());
        }
        let now = self.now();
        let row = SavedReportRow {
            id: Uuid::now_v7(),
            owner_id: owner,
            name,
            definition: serde_json::to_string(&input.definition)
                .map_err(|e| Error::Internal(e.into()))?,
            created_at: now,
            updated_at: now,
        };
        let audit = ctx.record(
            AuditEntry::new(AuditAction::ReportSave)
                .subject("report", row.id)
                .detail(json!({"name": row.name, "created": true})),
            now,
        );
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::reports::insert(tx, row)
                        .await
                        .map_err(|e| taken(&e).unwrap_or_else(|| e.into()))?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        view(row)
    }

    pub async fn update_saved_report(
        &self,
        ctx: &Ctx,
        id: Uuid,
        input: &SavedReportInput,
    ) -> Result<SavedReport> {
        let owner = self.report_owner(ctx).await?;
        let mut row = self.own_report(owner, id).await?;
        row.name = self.checked_report(ctx, input).await?;
        row.definition =
            serde_json::to_string(&input.definition).map_err(|e| Error::Internal(e.into()))?;
        let now = self.now();
        row.updated_at = now;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::ReportSave)
                .subject("report", id)
                .detail(json!({"name": row.name, "created": false})),
            now,
        );
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::reports::update(tx, row)
                        .await
                        .map_err(|e| taken(&e).unwrap_or_else(|| e.into()))?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        view(row)
    }

    pub async fn delete_saved_report(&self, ctx: &Ctx, id: Uuid) -> Result<()> {
        let owner = self.report_owner(ctx).await?;
        let row = self.own_report(owner, id).await?;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::ReportDelete)
                .subject("report", id)
                .detail(json!({"name": row.name})),
            self.now(),
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    hotline_store::reports::delete(tx, id).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await
    }
}
