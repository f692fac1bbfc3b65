//! Appeals against a ticket's inclusion in a unit's assessment (不纳入考核 申诉): a unit the
//! ticket was dispatched to files its reason and evidence; the center approves or rejects. An
//! approved appeal drops the ticket out of that unit's figures from the next rollup on (an
//! outbox event asks the rollup job to recount it); the appeal keeps the reason and the
//! decision. A published month stands as it was published.

use hotline_domain::audit::AuditAction;
use hotline_domain::conflict::Conflict;
use hotline_domain::role::{Permission, Scope};
use hotline_domain::stats::{AppealReason, AppealState};
use hotline_domain::ticket::Action;
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use hotline_store::stats::AppealRow;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{required_text, unit_ref};
use crate::identity::orgs::path_of;
use crate::paging::{PageOf, Paging};
use crate::tickets::views::OrgRef;
use crate::{App, AuditEntry, Ctx, Error, Result};

const MAX_EVIDENCE: usize = 4000;
const MAX_NOTE: usize = 1000;
const MAX_ATTACHMENTS: usize = 20;
/// The outbox topic that makes the rollup recount a ticket after a decision.
const DECIDED_TOPIC: &str = "stats.appeal_decided";

/// `POST /tickets/{id}/assessment-appeals`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealInput {
    /// The appealing unit: one the ticket was dispatched to, in the caller's subtree; the
    /// caller's own org by default.
    pub org_id: Option<Uuid>,
    pub reason: AppealReason,
    /// What happened and why it should not count, for the center to judge.
    pub evidence: String,
    /// The ticket's attachments that back it up.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// `POST /stats/appeals/{id}/{approve|reject}`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecision {
    /// Why: required to reject, kept with the appeal either way.
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealVerdict {
    Approve,
    Reject,
}

/// `GET /stats/appeals?state=pending`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AppealQuery {
    /// `pending`, `approved`, `rejected`; all by default.
    pub state: Option<String>,
    /// One ticket's appeals only.
    pub ticket_id: Option<Uuid>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AppealView {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub ticket_number: Option<String>,
    pub ticket_title: Option<String>,
    pub org: OrgRef,
    pub state: AppealState,
    pub reason: AppealReason,
    pub evidence: String,
    pub attachment_ids: Vec<Uuid>,
    pub filed_by: Uuid,
    pub filed_at: chrono::DateTime<chrono::Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_note: Option<String>,
}

impl App {
    async fn appeal_views(&self, rows: Vec<AppealRow>) -> Result<Vec<AppealView>> {
        let reference = self.reference().await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.ticket_id).collect();
        let tickets = hotline_store::search::tickets_by_id(self.store.reader(), &ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let ticket = tickets.iter().find(|t| t.id == row.ticket_id);
                AppealView {
                    id: row.id,
                    ticket_id: row.ticket_id,
                    ticket_number: ticket.map(|t| t.number.clone()),
                    ticket_title: ticket.map(|t| t.title.clone()),
                    org: unit_ref(&reference, row.org_id),
                    state: row.state,
                    reason: row.reason,
                    evidence: row.evidence,
                    attachment_ids: serde_json::from_str(&row.attachment_ids).unwrap_or_default(),
                    filed_by: row.filed_by,
                    filed_at: row.filed_at,
                    decided_by: row.decided_by,
                    decided_at: row.decided_at,
                    decision_note: row.decision_note,
                }
            })
            .collect())
    }

    /// A unit appeals against `ticket` counting in its figures.
    pub async fn file_appeal(
        &self,
        ctx: &Ctx,
        ticket_id: Uuid,
        input: &AppealInput,
    ) -> Result<AppealView> {
        let (principal, _) = self.authorize(ctx, Permission::StatsAppeal, None).await?;
        let user = principal.user_id().ok_or(Error::Forbidden)?;
        let org_id = input.org_id.unwrap_or(principal.org_id.as_uuid());
        let reference = self.reference().await?;
        let org = reference
            .orgs
            .get(&org_id)
            .ok_or_else(|| Error::from(FieldError::new("org_id", FieldIssue::InvalidValue)))?;
        self.authorize(ctx, Permission::StatsAppeal, Some(&path_of(org))).await?;
        let db = self.store.reader();
        let ticket =
            hotline_store::tickets::find(db, ticket_id).await?.ok_or(Error::NotFound("ticket"))?;
        // Only a unit the ticket was dispatched to is assessed on it; to anyone else it is
        // not there at all.
        let dispatched = hotline_store::stats::timelines(db, &[ticket_id]).await?.into_iter().any(
            |(_, _, action, _, org)| {
                org == Some(org_id)
                    && matches!(
                        Action::parse(&action),
                        Some(
                            Action::Dispatch
                                | Action::Transfer
                                | Action::Assign
                                | Action::Emergency
                        )
                    )
            },
        );
        if !dispatched || ticket.parent_id.is_some() {
            return Err(Error::NotFound("ticket"));
        }
        let mut errors = FieldErrors::new();
        let evidence = required_text("evidence", &input.evidence, MAX_EVIDENCE, &mut errors);
        if input.attachment_ids.len() > MAX_ATTACHMENTS {
            errors.push(
                FieldError::new("attachment_ids", FieldIssue::TooLong).with_limit(MAX_ATTACHMENTS),
            );
        }
        let attached: Vec<Uuid> = hotline_store::tickets::attachments(db, ticket_id)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        if input.attachment_ids.iter().any(|id| !attached.contains(id)) {
            errors.push(
                FieldError::new("attachment_ids", FieldIssue::InvalidValue)
                    .with_detail("not an attachment of this ticket"),
            );
        }
        errors.into_result()?;
        let now = self.now();
        let row = AppealRow {
            id: Uuid::now_v7(),
            ticket_id,
            org_id,
            state: AppealState::Pending,
            reason: input.reason,
            evidence,
            attachment_ids: json!(input.attachment_ids).to_string(),
            filed_by: user.as_uuid(),
            filed_at: now,
            decided_by: None,
            decided_at: None,
            decision_note: None,
        };
        let record = ctx.record(
            AuditEntry::new(AuditAction::StatsAppeal)
                .subject("ticket", ticket_id)
                .detail(json!({"appeal_id": row.id, "org_id": org_id, "reason": input.reason})),
            now,
        );
        let saved = row.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    let open = hotline_store::stats::appeals_of_ticket(&**tx, ticket_id)
                        .await?
                        .into_iter()
                        .any(|a| a.org_id == org_id && a.state != AppealState::Rejected);
                    if open {
                        return Err(Error::conflict(Conflict::AppealExists));
                    }
                    hotline_store::stats::insert_appeal(&**tx, saved).await?;
                    tx.audit([record]);
                    Ok(())
                })
            })
            .await?;
        Ok(self.appeal_views(vec![row]).await?.remove(0))
    }

    /// The center approves or rejects a pending appeal.
    pub async fn decide_appeal(
        &self,
        ctx: &Ctx,
        id: Uuid,
        verdict: AppealVerdict,
        input: &AppealDecision,
    ) -> Result<AppealView> {
        let (principal, _) = self.authorize(ctx, Permission::StatsPublish, None).await?;
        let user = principal.user_id().ok_or(Error::Forbidden)?;
        let mut errors = FieldErrors::new();
        let note = match (verdict, input.note.as_deref().map(str::trim)) {
            (AppealVerdict::Reject, note) => {
                Some(required_text("note", note.unwrap_or_default(), MAX_NOTE, &mut errors))
            }
            (AppealVerdict::Approve, Some(note)) if !note.is_empty() => {
                Some(required_text("note", note, MAX_NOTE, &mut errors))
            }
            (AppealVerdict::Approve, _) => None,
        };
        errors.into_result()?;
        let appeal = hotline_store::stats::appeal(self.store.reader(), id)
            .await?
            .ok_or(Error::NotFound("appeal"))?;
        let state = match verdict {
            AppealVerdict::Approve => AppealState::Approved,
            AppealVerdict::Reject => AppealState::Rejected,
        };
        let now = self.now();
        let record = ctx.record(
            AuditEntry::new(AuditAction::StatsAppealDecide)
                .subject("ticket", appeal.ticket_id)
                .detail(json!({"appeal_id": id, "org_id": appeal.org_id, "state": state})),
            now,
        );
        let event = hotline_store::tickets::outbox_row(
            DECIDED_TOPIC,
            Some(appeal.ticket_id),
            json!({"appeal_id": id, "org_id": appeal.org_id, "state": state}).to_string(),
            now,
        );
        let kept_note = note.clone();
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::stats::decide_appeal(
                        &**tx,
                        id,
                        state,
                        user.as_uuid(),
                        now,
                        kept_note,
                    )
                    .await?
                    {
                        return Err(Error::conflict(Conflict::AppealDecided));
                    }
                    hotline_store::tickets::insert_outbox(&**tx, event).await?;
                    tx.audit([record]);
                    Ok(())
                })
            })
            .await?;
        let row = AppealRow {
            state,
            decided_by: Some(user.as_uuid()),
            decided_at: Some(now),
            decision_note: note,
            ..appeal
        };
        Ok(self.appeal_views(vec![row]).await?.remove(0))
    }

    /// Appeals in the caller's reach: every unit's for the center, its subtree's for a unit.
    pub async fn list_appeals(&self, ctx: &Ctx, query: &AppealQuery) -> Result<PageOf<AppealView>> {
        let (_, scope) = self.authorize(ctx, Permission::StatsRead, None).await?;
        let state = match query.state.as_deref() {
            None => None,
            Some(raw) => Some(AppealState::parse(raw.trim()).ok_or_else(|| {
                FieldError::new("state", FieldIssue::InvalidValue)
                    .with_detail("pending,approved,rejected")
            })?),
        };
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let reference = self.reference().await?;
        let orgs: Option<Vec<Uuid>> = match &scope {
            Scope::City => None,
            Scope::Subtree(_) => Some(
                reference
                    .orgs
                    .values()
                    .filter(|o| scope.contains(&path_of(o)))
                    .map(|o| o.id)
                    .collect(),
            ),
        };
        let (rows, total) = hotline_store::stats::appeals(
            self.store.reader(),
            state,
            query.ticket_id,
            orgs.as_deref(),
            page.offset(),
            page.per_page,
        )
        .await?;
        Ok(PageOf::new(self.appeal_views(rows).await?, total, page))
    }
}
