//! Reading and verifying the audit trail. There is no use case that changes or deletes it.

use chrono::{DateTime, Utc};
use hotline_domain::audit::{AuditAction, AuditRecord, ChainVerifier, Outcome};
use hotline_domain::role::Permission;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::audit::AuditFilter;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::paging::{ListFormat, PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

const VERIFY_BATCH: u64 = 2_000;

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// A user or token id.
    pub actor_id: Option<String>,
    /// A username.
    pub actor: Option<String>,
    /// A full action (`auth.login`) or a family (`auth`).
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    /// `xlsx`: every matching row (up to the export limit) as a spreadsheet.
    #[param(inline)]
    pub format: Option<ListFormat>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    /// The person's name (王芳) for a user, and their org's name, as staff read them.
    pub actor_display_name: Option<String>,
    pub actor_org_name: Option<String>,
    pub actor_org_id: Option<String>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub detail: serde_json::Value,
    pub hash: String,
}

impl From<AuditRecord> for AuditEventView {
    fn from(r: AuditRecord) -> Self {
        Self {
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            actor_display_name: None,
            actor_org_name: None,
            actor_org_id: r.actor_org_id,
            source_ip: r.source_ip,
            request_id: r.request_id,
            action: r.action,
            outcome: r.outcome,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            hash: r.hash,
        }
    }
}

/// The result of walking the chain.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub ok: bool,
    /// Rows checked.
    pub rows: i64,
    /// The first row that fails, and why.
    pub first_bad_seq: Option<i64>,
    pub problem: Option<String>,
    pub head_seq: i64,
}

impl App {
    pub async fn list_audit(&self, ctx: &Ctx, query: AuditQuery) -> Result<PageOf<AuditEventView>> {
        self.authorize(ctx, Permission::AuditRead, None).await?;
        let mut errors = FieldErrors::new();
        let format = query.format.unwrap_or_default();
        let page = errors.take(format.page(Paging { page: query.page, per_page: query.per_page }));
        if let Some(action) = &query.action {
            let known = AuditAction::parse(action).is_some() || AuditAction::is_family(action);
            if !known {
                errors.push(FieldError::new("action", FieldIssue::InvalidValue));
            }
        }
        if query.outcome.as_deref().is_some_and(|o| Outcome::parse(o).is_none()) {
            errors.push(FieldError::new("outcome", FieldIssue::InvalidValue));
        }
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from > to
        {
            errors.push(
                FieldError::new("to", FieldIssue::InvalidValue).with_detail("to is before from"),
            );
        }
        errors.into_result()?;
        let page = page.ok_or(Error::Internal(anyhow::anyhow!("paging missing")))?;
        let filter = AuditFilter {
            actor_id: query.actor_id,
            actor_name: query.actor.map(|a| a.trim().to_lowercase()),
            action: query.action,
            outcome: query.outcome,
            subject_type: query.subject_type,
            subject_id: query.subject_id,
            from: query.from,
            to: query.to,
        };
        let result = hotline_store::audit::list(self.store.reader(), &filter, page).await?;
        format.check_fits(result.items.len())?;
        let action = match format {
            ListFormat::Json => AuditAction::AuditRead,
            ListFormat::Xlsx | ListFormat::Csv => AuditAction::AuditExport,
        };
        // Reading the trail is itself audited (MLPS 8.1.4.3).
        self.audit_now(vec![ctx.record(
            AuditEntry::new(action).detail(json!({
                "filter": {
                    "actor_id": filter.actor_id, "actor": filter.actor_name, "action": filter.action,
                    "outcome": filter.outcome, "subject_type": filter.subject_type,
                    "subject_id": filter.subject_id, "from": filter.from, "to": filter.to,
                },
                "page": page.page,
                "returned": result.items.len(),
            })),
            self.now(),
        )])
        .await?;
        let mut items: Vec<AuditEventView> =
            result.items.into_iter().map(AuditEventView::from).collect();
        self.name_actors(&mut items).await?;
        Ok(PageOf::new(items, result.total, page))
    }

    /// Fills in the names staff know each other by, from the user and org ids on each row.
    async fn name_actors(&self, items: &mut [AuditEventView]) -> Result<()> {
        let uuid = |s: &Option<String>| s.as_deref().and_then(|s| uuid::Uuid::parse_str(s).ok());
        let users: Vec<uuid::Uuid> = items.iter().filter_map(|e| uuid(&e.actor_id)).collect();
        let names = hotline_store::users::display_names(self.store.reader(), &users).await?;
        let reference = self.reference().await?;
        for e in items {
            e.actor_display_name = uuid(&e.actor_id).and_then(|id| names.get(&id).cloned());
            e.actor_org_name = uuid(&e.actor_org_id)
                .and_then(|id| reference.orgs.get(&id))
                .map(|o| o.name.clone());
        }
        Ok(())
    }

    /// Walks the whole chain in batches. Used by `hotline verify-audit` and the auditor's view.
    pub async fn verify_audit(&self) -> Result<Verification> {
        let db = self.store.reader();
        let (head_seq, head_hash) = hotline_store::audit::head(db).await?;
        let mut verifier = ChainVerifier::default();
        let mut after = 0;
        let mut rows = 0;
        let broken = 'walk: loop {
            let batch = hotline_store::audit::rows_after(db, after, VERIFY_BATCH).await?;
            let Some(last) = batch.last() else { break None };
            after = last.seq;
            for row in &batch {
                if let Err(e) = verifier.check(row) {
                    break 'walk Some(e);
                }
                rows += 1;
            }
        };
        let broken = broken.or_else(|| verifier.finish(head_seq, &head_hash).err());
        Ok(Verification {
            ok: broken.is_none(),
            rows,
            first_bad_seq: broken.as_ref().map(hotline_domain::audit::ChainBreak::first_bad_seq),
            problem: broken.map(|b| b.to_string()),
            head_seq,
        })
    }

    /// The auditor's view of `verify_audit`.
    pub async fn verify_audit_for(&self, ctx: &Ctx) -> Result<Verification> {
        self.authorize(ctx, Permission::AuditRead, None).await?;
        self.verify_audit().await
    }
}
