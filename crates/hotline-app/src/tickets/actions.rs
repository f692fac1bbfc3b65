//! Everything that moves a ticket: `POST /tickets/{id}/actions/{action}` and batch assign.
//!
//! Each action runs in one transaction with the ticket's row locked: the gate
//! (`lifecycle::check`), then the action's effects, the timeline event, the audit row, the
//! outbox entry and any deadline timers commit together or not at all.

use chrono::{DateTime, Utc};
use hotline_domain::audit::{AuditAction, AuditRecord, Outcome};
use hotline_domain::role::{Permission, Principal};
use hotline_domain::sla::{Clocks, Limit};
use hotline_domain::ticket::lifecycle::{self, Refusal};
use hotline_domain::ticket::{
    Action, HandlingType, Labelled as _, Satisfaction, TicketState, Urgency,
};
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId, TicketId};
use hotline_store::orgs::OrgRow;
use hotline_store::tickets::{IdempotencyRow, TicketEventRow, TicketRow};
use sea_orm::{DatabaseTransaction, DbErr};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::timers::TimerKind;
use super::views::state_of;
use super::{TicketSummary, TicketView, WriteFailure, bounded_text_multiline};
use crate::identity::orgs::path_of;
use crate::{App, AuditEntry, Ctx, Error, Result};

/// The body of an action. Which fields each action needs is checked per action.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// Dispatch target (transfer, assign, emergency, dispatch) or the unit contacted (liaise).
    pub org_id: Option<OrgId>,
    /// Assisting units (协办) besides the lead unit `org_id`.
    pub assist_org_ids: Option<Vec<OrgId>>,
    pub reason: Option<String>,
    pub opinion: Option<String>,
    /// Answer, reply, contact record, excerpt or callback notes.
    pub content: Option<String>,
    /// Extension, or a custom finish limit for assign, in working days.
    pub days: Option<u32>,
    pub reachable: Option<bool>,
    pub resolved: Option<bool>,
    #[schema(value_type = Option<hotline_domain::ticket::Satisfaction>)]
    pub satisfaction: Option<String>,
    pub master_id: Option<TicketId>,
    /// At callback: the dissatisfaction is the unit's fault (重办).
    pub unit_at_fault: Option<bool>,
    /// Supervision level 1–3.
    pub level: Option<i32>,
}

/// 集中交办: several registered tickets assigned to one unit at once, all or none.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchAssign {
    pub ticket_ids: Vec<TicketId>,
    pub org_id: OrgId,
    pub opinion: Option<String>,
    pub days: Option<u32>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub tickets: Vec<TicketSummary>,
}

pub const MAX_EXTENSION_DAYS: u32 = 30;
pub const MAX_BATCH: usize = 200;

fn text(field: &str, value: Option<&str>, max: usize) -> Result<String, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => bounded_text_multiline(field, v, 1, max),
        None => Err(FieldError::new(field, FieldIssue::Required)),
    }
}

fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => bounded_text_multiline(field, v, 1, max).map(Some),
        None => Ok(None),
    }
}

/// What one action changed, for the timeline and the audit row.
struct Effect {
    org: Option<Uuid>,
    opinion: Option<String>,
    detail: serde_json::Value,
}

impl Effect {
    fn new() -> Self {
        Self { org: None, opinion: None, detail: json!({}) }
    }
}

impl App {
    /// Takes `action` on a ticket for the caller. With an idempotency key, a retry of an action
    /// that was taken answers with the ticket as it is instead of acting twice.
    pub async fn perform_action(
        &self,
        ctx: &Ctx,
        id: TicketId,
        action: &str,
        input: ActionInput,
        idempotency_key: Option<&str>,
    ) -> Result<TicketView> {
        let action = Action::parse(action).ok_or(Error::NotFound("action"))?;
        let key = idempotency_key.map(super::checked_key).transpose()?;
        let row = hotline_store::tickets::find(self.store.reader(), id.as_uuid())
            .await?
            .ok_or(Error::NotFound("ticket"))?;
        let principal = self.authorize_ticket_read(ctx, &row).await?;
        let request_hash = hex::encode(Sha256::digest(
            serde_json::to_vec(&json!({"ticket": id, "action": action, "input": input}))
                .unwrap_or_default(),
        ));
        let idempotency = key.as_ref().map(|key| IdempotencyRow {
            actor_id: super::actor_key(&principal),
            key: key.clone(),
            ticket_id: id.as_uuid(),
            request_hash: request_hash.clone(),
            created_at: self.now(),
        });
        let (app, job_ctx, job_principal) = (self.clone(), ctx.clone(), principal.clone());
        let acted = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let txn: &DatabaseTransaction = tx;
                    // The key first: a retry of an action that was taken fails here (the key's
                    // unique index) and is answered as it was, before the lifecycle gate would
                    // refuse the action a second time.
                    if let Some(idempotency) = idempotency
                        && let Err(e) =
                            hotline_store::tickets::insert_idempotency(txn, idempotency).await
                    {
                        return Err(WriteFailure::from_insert(e));
                    }
                    let row = hotline_store::tickets::find_for_update(txn, id.as_uuid())
                        .await?
                        .ok_or(Error::NotFound("ticket"))?;
                    let (row, audit) =
                        app.apply(txn, &job_ctx, &job_principal, action, row, &input, None).await?;
                    tx.audit([audit]);
                    Ok(row)
                })
            })
            .await;
        let row = match acted {
            Ok(row) => row,
            // An earlier (or concurrent) request with the same key acted first.
            Err(WriteFailure::KeyRaced) => {
                let key = key.as_deref().unwrap_or_default();
                return match self.replay(&principal, key, &request_hash).await? {
                    Some(done) => self.ticket_view(&principal, done).await,
                    None => Err(Error::conflict("concurrent_update")),
                };
            }
            Err(WriteFailure::Failed(e)) => {
                if matches!(e, Error::Forbidden) {
                    self.audit_denied_action(ctx, id, action).await?;
                }
                return Err(e);
            }
        };
        self.publish(crate::events::LiveEvent::ticket(&row, action.as_str()));
        self.ticket_view(&principal, row).await
    }

    async fn audit_denied_action(&self, ctx: &Ctx, id: TicketId, action: Action) -> Result<()> {
        self.audit_now(vec![
            ctx.record(
                AuditEntry::new(AuditAction::AccessDenied)
                    .outcome(Outcome::Denied)
                    .subject("ticket", id)
                    .detail(json!({"action": action.as_str()})),
                self.now(),
            ),
        ])
        .await
    }

    /// 集中交办: all tickets or none.
    pub async fn batch_assign(&self, ctx: &Ctx, input: BatchAssign) -> Result<BatchResult> {
        let (principal, _) = self.authorize(ctx, Permission::TicketDispatch, None).await?;
        let mut errors = FieldErrors::new();
        if input.ticket_ids.is_empty() {
            errors.push(FieldError::new("ticket_ids", FieldIssue::Required));
        }
        if input.ticket_ids.len() > MAX_BATCH {
            errors.push(FieldError::new("ticket_ids", FieldIssue::TooLong).with_limit(MAX_BATCH));
        }
        let mut ids = input.ticket_ids.clone();
        ids.sort();
        ids.dedup();
        if ids.len() != input.ticket_ids.len() {
            errors.push(
                FieldError::new("ticket_ids", FieldIssue::InvalidValue).with_detail("listed twice"),
            );
        }
        errors.into_result()?;
        let action_input = ActionInput {
            org_id: Some(input.org_id),
            opinion: input.opinion.clone(),
            days: input.days,
            ..ActionInput::default()
        };
        let txn = self.store.begin().await?;
        let mut rows = Vec::with_capacity(input.ticket_ids.len());
        let mut audit = Vec::with_capacity(input.ticket_ids.len());
        let mut refused = Vec::new();
        for (i, id) in input.ticket_ids.iter().enumerate() {
            let Some(row) = hotline_store::tickets::find_for_update(&txn, id.as_uuid()).await?
            else {
                refused.push(FieldError::new(format!("ticket_ids[{i}]"), FieldIssue::NotFound));
                continue;
            };
            match self
                .apply(
                    &txn,
                    ctx,
                    &principal,
                    Action::Assign,
                    row,
                    &action_input,
                    Some(HandlingType::BatchAssign),
                )
                .await
            {
                Ok((row, record)) => {
                    rows.push(row);
                    audit.push(record);
                }
                Err(Error::Conflict { code, .. }) => {
                    refused.push(
                        FieldError::new(format!("ticket_ids[{i}]"), FieldIssue::NotAllowed)
                            .with_detail(code),
                    );
                }
                Err(e) => return Err(e),
            }
        }
        if !refused.is_empty() {
            return Err(Error::Conflict { code: "invalid_transition", fields: refused });
        }
        hotline_store::audit::append(&txn, audit).await?;
        txn.commit().await?;
        for row in &rows {
            self.publish(crate::events::LiveEvent::ticket(row, Action::Assign.as_str()));
        }
        Ok(BatchResult { tickets: self.summaries(&principal, rows).await? })
    }

    /// Checks and applies one action inside `txn`; returns the saved ticket and the audit record
    /// the caller seals with the transaction.
    #[expect(
        clippy::too_many_lines,
        clippy::too_many_arguments,
        reason = "one arm per action reads better than 27 functions"
    )]
    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        ctx: &Ctx,
        principal: &Principal,
        action: Action,
        mut row: TicketRow,
        input: &ActionInput,
        handling: Option<HandlingType>,
    ) -> Result<(TicketRow, AuditRecord)> {
        let children = hotline_store::tickets::children(txn, row.id).await?;
        let open_children = children.iter().filter(|c| !state_of(c).has_replied()).count();
        let facts = self.facts(&row, open_children);
        let transition = match lifecycle::check(action, &facts, principal) {
            Ok(t) => t,
            Err(Refusal::InvalidTransition) => return Err(Error::conflict("invalid_transition")),
            Err(Refusal::Forbidden) => return Err(Error::Forbidden),
            Err(Refusal::Guard(code)) => return Err(Error::conflict(code)),
        };
        let now = self.now();
        let from = state_of(&row);
        // Webhooks tell the unit a ticket leaves (a return approved, a re-dispatch) as well.
        let holder_before = row.holder_org_id;
        let mut effect = Effect::new();
        let mut timers: Vec<(TimerKind, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        match action {
            Action::Register => {}
            Action::Answer | Action::Liaise => {
                let content = text("content", input.content.as_deref(), 10_000)?;
                if action == Action::Liaise {
                    let org = self.unit_target(input.org_id, "org_id").await?;
                    effect.org = Some(org.id);
                }
                row.handling_type = Some(action.as_str().to_owned());
                row.reply_content = Some(content.clone());
                row.closed_at = Some(now);
                row.close_reason = Some("answered".to_owned());
                effect.opinion = Some(content);
            }
            Action::Dismiss => {
                let reason = text("reason", input.reason.as_deref(), 1_000)?;
                row.handling_type = Some(HandlingType::Dismiss.as_str().to_owned());
                row.closed_at = Some(now);
                row.close_reason = Some("dismissed".to_owned());
                effect.opinion = Some(reason);
            }
            Action::Excerpt => {
                let content = text("content", input.content.as_deref(), 5_000)?;
                row.excerpt = Some(content.clone());
                effect.opinion = Some(content);
            }
            Action::Transfer | Action::Assign | Action::Emergency | Action::Dispatch => {
                if matches!(from, TicketState::Registered | TicketState::Draft) {
                    self.dispatch_from_center(
                        txn,
                        ctx,
                        action,
                        &mut row,
                        input,
                        handling,
                        children.len(),
                        &mut effect,
                        &mut timers,
                    )
                    .await?;
                } else {
                    self.dispatch_within_unit(principal, &mut row, input, &mut effect, &mut timers)
                        .await?;
                }
            }
            Action::Accept => row.accepted_at = Some(now),
            Action::Return => {
                effect.opinion = Some(text("reason", input.reason.as_deref(), 1_000)?);
                row.returned_count += 1;
                effect.org = row.holder_org_id;
            }
            Action::ApproveReturn => {
                effect.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
                effect.org = row.holder_org_id;
                match row.dispatched_by_org_id {
                    None => {
                        row.state = TicketState::Registered.as_str().to_owned();
                        row.holder_org_id = None;
                        row.accept_due = None;
                        row.response_due = None;
                        row.finish_due = None;
                        row.original_finish_due = None;
                        row.overdue = false;
                        row.accept_overdue = false;
                        row.response_overdue = false;
                    }
                    Some(unit) => {
                        row.holder_org_id = Some(unit);
                        row.dispatched_by_org_id = self.dispatcher_of(txn, row.id, unit).await?;
                        row.state = TicketState::InProgress.as_str().to_owned();
                        row.accept_due = None;
                    }
                }
            }
            Action::OverruleReturn => {
                effect.opinion = Some(text("reason", input.reason.as_deref(), 1_000)?);
                effect.org = row.holder_org_id;
                let clocks = self.clocks_of_ticket(&row, None).await?;
                row.accept_due = Some(clocks.accept.due(&self.calendar(), now).at);
                row.accepted_at = None;
                if let Some(due) = row.accept_due {
                    timers.push((TimerKind::AcceptWarning, due, now));
                    timers.push((TimerKind::AcceptOverdue, due, now));
                }
            }
            Action::RequestExtension => {
                let days = match input.days {
                    Some(d) if (1..=MAX_EXTENSION_DAYS).contains(&d) => d,
                    Some(_) => {
                        return Err(FieldError::new("days", FieldIssue::InvalidValue)
                            .with_limit(MAX_EXTENSION_DAYS as usize)
                            .into());
                    }
                    None => return Err(FieldError::new("days", FieldIssue::Required).into()),
                };
                effect.opinion = Some(text("reason", input.reason.as_deref(), 1_000)?);
                effect.detail = json!({"days": days});
                effect.org = row.holder_org_id;
            }
            Action::ApproveExtension => {
                let requested = self.requested_extension_days(txn, row.id).await?;
                let days = match input.days.or(requested) {
                    Some(d) if (1..=MAX_EXTENSION_DAYS).contains(&d) => d,
                    _ => return Err(FieldError::new("days", FieldIssue::InvalidValue).into()),
                };
                effect.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
                let old = row.finish_due.unwrap_or(now);
                let due = self.calendar().add_working_days(old, days).at;
                row.original_finish_due = row.original_finish_due.or(row.finish_due);
                row.finish_due = Some(due);
                if due > now {
                    row.overdue = false;
                }
                timers.push((TimerKind::FinishWarning, due, now));
                timers.push((TimerKind::FinishOverdue, due, now));
                effect.detail =
                    json!({"days": days, "finish_due": due, "previous_finish_due": old});
                effect.org = row.holder_org_id;
            }
            Action::DenyExtension => {
                effect.opinion = Some(text("reason", input.reason.as_deref(), 1_000)?);
                effect.org = row.holder_org_id;
            }
            Action::ContactCitizen => {
                effect.opinion = Some(text("content", input.content.as_deref(), 5_000)?);
                row.first_contact_at = row.first_contact_at.or(Some(now));
                effect.org = row.holder_org_id;
            }
            Action::Reply => {
                let content = text("content", input.content.as_deref(), 10_000)?;
                row.reply_content = Some(content.clone());
                row.replied_at = Some(now);
                effect.opinion = Some(content);
                effect.org = row.holder_org_id;
            }
            Action::ApproveReply => {
                effect.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
                self.share_result(txn, ctx, &row, now).await?;
            }
            Action::SendBack => {
                effect.opinion = Some(text(
                    "opinion",
                    input.opinion.as_deref().or(input.reason.as_deref()),
                    2_000,
                )?);
                effect.org = row.holder_org_id;
            }
            Action::Urge => {
                effect.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
                row.urged_count += 1;
                effect.org = row.holder_org_id;
            }
            Action::Supervise => {
                effect.opinion = Some(text("opinion", input.opinion.as_deref(), 2_000)?);
                let level = input.level.unwrap_or(row.supervision_level + 1);
                if !(1..=3).contains(&level) {
                    return Err(FieldError::new("level", FieldIssue::InvalidValue).into());
                }
                row.supervision_level = row.supervision_level.max(level);
                effect.detail = json!({"level": row.supervision_level});
                effect.org = row.holder_org_id;
            }
            Action::Callback => {
                let reachable = input
                    .reachable
                    .ok_or_else(|| FieldError::new("reachable", FieldIssue::Required))?;
                effect.opinion = optional("content", input.content.as_deref(), 2_000)?;
                row.callback_attempts += 1;
                if reachable {
                    let mut errors = FieldErrors::new();
                    let satisfaction = match input.satisfaction.as_deref() {
                        Some(s) => errors.take(Satisfaction::parse_input(s)),
                        None => {
                            errors.push(FieldError::new("satisfaction", FieldIssue::Required));
                            None
                        }
                    };
                    if input.resolved.is_none() {
                        errors.push(FieldError::new("resolved", FieldIssue::Required));
                    }
                    errors.into_result()?;
                    let satisfaction = satisfaction.ok_or_else(|| {
                        Error::Internal(anyhow::anyhow!("validated satisfaction missing"))
                    })?;
                    row.satisfaction = Some(satisfaction.as_str().to_owned());
                    row.resolved = input.resolved;
                    let reopen = satisfaction == Satisfaction::Unsatisfied
                        && input.unit_at_fault == Some(true);
                    effect.detail = json!({"reachable": true, "satisfaction": satisfaction, "resolved": input.resolved, "reopened": reopen});
                    if reopen {
                        self.reopen(&mut row, now, &mut timers).await?;
                    } else {
                        self.close(txn, ctx, &mut row, satisfaction.as_str(), now).await?;
                    }
                } else {
                    let max = i32::try_from(self.config.tickets.callback_max_attempts)
                        .unwrap_or(i32::MAX);
                    let gave_up = row.callback_attempts >= max;
                    effect.detail = json!({"reachable": false, "attempt": row.callback_attempts, "closed": gave_up});
                    if gave_up {
                        self.close(txn, ctx, &mut row, "unreachable", now).await?;
                    } else {
                        row.state = TicketState::AwaitingCallback.as_str().to_owned();
                    }
                }
            }
            Action::Reopen => {
                effect.opinion = Some(text("reason", input.reason.as_deref(), 1_000)?);
                self.reopen(&mut row, now, &mut timers).await?;
                effect.org = row.holder_org_id;
            }
            Action::Merge => {
                let master_id = input
                    .master_id
                    .ok_or_else(|| FieldError::new("master_id", FieldIssue::Required))?;
                let master = hotline_store::tickets::find(txn, master_id.as_uuid())
                    .await?
                    .ok_or_else(|| FieldError::new("master_id", FieldIssue::NotFound))?;
                let master_state = state_of(&master);
                if master.id == row.id
                    || master.parent_id.is_some()
                    || matches!(
                        master_state,
                        TicketState::Merged | TicketState::Dismissed | TicketState::Archived
                    )
                {
                    return Err(FieldError::new("master_id", FieldIssue::NotAllowed).into());
                }
                if !children.is_empty() {
                    return Err(Error::conflict("has_children"));
                }
                row.master_id = Some(master.id);
                row.closed_at = Some(now);
                row.close_reason = Some("merged".to_owned());
                if master.reply_content.is_some()
                    && matches!(
                        master_state,
                        TicketState::AwaitingCallback | TicketState::Closed | TicketState::Answered
                    )
                {
                    row.reply_content.clone_from(&master.reply_content);
                }
                effect.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
                effect.detail = json!({"master_id": master.id, "master_number": master.number});
                record_event(
                    txn,
                    event_row(
                        ctx,
                        &master,
                        "merge_in",
                        None,
                        None,
                        None,
                        None,
                        json!({"ticket_id": row.id, "number": row.number}),
                        now,
                    ),
                )
                .await?;
            }
            Action::Close => {
                effect.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
                self.close(txn, ctx, &mut row, "closed_by_center", now).await?;
            }
            Action::Archive => {}
        }
        if let lifecycle::Next::To(state) = transition.next {
            row.state = state.as_str().to_owned();
        }
        let to = state_of(&row);
        row.updated_at = now;
        let row = match hotline_store::tickets::update(txn, row).await {
            Ok(row) => row,
            Err(DbErr::RecordNotUpdated) => return Err(Error::conflict("concurrent_update")),
            Err(e) => return Err(e.into()),
        };
        record_event(
            txn,
            event_row(
                ctx,
                &row,
                action.as_str(),
                Some(from),
                Some(to),
                effect.org,
                effect.opinion.as_deref(),
                effect.detail.clone(),
                now,
            ),
        )
        .await?;
        self.insert_timers(txn, &row, &timers).await?;
        hotline_store::tickets::insert_outbox(
            txn,
            super::outbox::event_for(
                action.audit_name(),
                &row,
                &[row.holder_org_id, holder_before, effect.org],
                json!({"action": action, "from": from, "to": to, "org_id": effect.org, "holder_before": holder_before, "opinion": effect.opinion, "detail": effect.detail}),
                now,
            ),
        )
        .await?;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::Ticket(action)).subject("ticket", row.id).detail(json!({
                "number": row.number, "from": from, "to": to, "org_id": effect.org, "opinion": effect.opinion, "detail": effect.detail,
            })),
            now,
        );
        Ok((row, audit))
    }

    /// 转办 / 交办 / 紧急处理 / 派单 from the center, with assisting units when given.
    #[expect(clippy::too_many_arguments, reason = "the dispatch needs the whole action context")]
    async fn dispatch_from_center(
        &self,
        txn: &DatabaseTransaction,
        ctx: &Ctx,
        action: Action,
        row: &mut TicketRow,
        input: &ActionInput,
        handling: Option<HandlingType>,
        existing_children: usize,
        effect: &mut Effect,
        timers: &mut Vec<(TimerKind, DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<()> {
        let now = self.now();

        let target = self.unit_target(input.org_id, "org_id").await?;
        let assists = self.assist_targets(action, input, &target).await?;
        let finish_override = match (action, input.days) {
            (Action::Assign, Some(days)) => Some(Limit::working_days(days).validate("days")?),
            (_, Some(_)) => return Err(FieldError::new("days", FieldIssue::NotAllowed).into()),
            (_, None) => None,
        };
        effect.opinion =
            optional("opinion", input.opinion.as_deref().or(input.content.as_deref()), 2_000)?;
        if action == Action::Emergency {
            row.emergency = true;
            row.urgency = Urgency::Critical.as_str().to_owned();
        }
        let kind = handling.unwrap_or(match action {
            Action::Transfer => HandlingType::Transfer,
            Action::Emergency => HandlingType::Emergency,
            _ => HandlingType::Assign,
        });
        if row.handling_type.is_none() || handling.is_some() || action != Action::Dispatch {
            row.handling_type = Some(kind.as_str().to_owned());
        }
        let clocks = self.clocks_of_ticket(row, finish_override).await?;
        self.dispatch_to(row, &target, None, clocks, now, timers);
        effect.org = Some(target.id);
        effect.detail = json!({"org_id": target.id, "by_unit": false, "assist_org_ids": assists.iter().map(|a| a.id).collect::<Vec<_>>()});
        for (i, assist) in assists.iter().enumerate() {
            self.create_child(txn, ctx, row, assist, existing_children + i + 1, clocks, now)
                .await?;
        }

        Ok(())
    }

    /// A unit passes the ticket down to one of its own sub-orgs.
    async fn dispatch_within_unit(
        &self,
        principal: &Principal,
        row: &mut TicketRow,
        input: &ActionInput,
        effect: &mut Effect,
        timers: &mut Vec<(TimerKind, DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<()> {
        let now = self.now();

        // A unit passes the ticket down to one of its own sub-orgs.
        let target = self.unit_target(input.org_id, "org_id").await?;
        let holder = row.holder_org_id.ok_or_else(|| Error::conflict("invalid_transition"))?;
        if target.id == holder || !principal.org_path.contains(&path_of(&target)) {
            return Err(FieldError::new("org_id", FieldIssue::NotAllowed)
                .with_detail("a unit re-dispatches to its own sub-orgs")
                .into());
        }
        if input.assist_org_ids.as_ref().is_some_and(|a| !a.is_empty()) {
            return Err(FieldError::new("assist_org_ids", FieldIssue::NotAllowed).into());
        }
        effect.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
        let clocks = self.clocks_of_ticket(row, None).await?;
        self.dispatch_to(row, &target, Some(holder), clocks, now, timers);
        effect.org = Some(target.id);
        effect.detail = json!({"org_id": target.id, "by_unit": true});

        Ok(())
    }

    /// An active unit (not the center) to send work to.
    async fn unit_target(&self, id: Option<OrgId>, field: &str) -> Result<OrgRow> {
        let id = id.ok_or_else(|| FieldError::new(field, FieldIssue::Required))?;
        match hotline_store::orgs::find(self.store.reader(), id.as_uuid()).await? {
            None => Err(FieldError::new(field, FieldIssue::NotFound).into()),
            Some(org) if !org.active => Err(FieldError::new(field, FieldIssue::Inactive).into()),
            Some(org) if org.parent_id.is_none() => {
                Err(FieldError::new(field, FieldIssue::NotAllowed)
                    .with_detail("work goes to a unit, not the center")
                    .into())
            }
            Some(org) => Ok(org),
        }
    }

    async fn assist_targets(
        &self,
        action: Action,
        input: &ActionInput,
        lead: &OrgRow,
    ) -> Result<Vec<OrgRow>> {
        let Some(ids) = input.assist_org_ids.as_ref().filter(|ids| !ids.is_empty()) else {
            return Ok(Vec::new());
        };
        if action != Action::Dispatch {
            return Err(FieldError::new("assist_org_ids", FieldIssue::NotAllowed)
                .with_detail("lead and assisting units are set by dispatch")
                .into());
        }
        let mut out: Vec<OrgRow> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let org = self.unit_target(Some(*id), &format!("assist_org_ids[{i}]")).await?;
            if org.id == lead.id || out.iter().any(|o| o.id == org.id) {
                return Err(FieldError::new(
                    format!("assist_org_ids[{i}]"),
                    FieldIssue::InvalidValue,
                )
                .with_detail("listed twice or the lead unit")
                .into());
            }
            out.push(org);
        }
        Ok(out)
    }

    /// The clocks of a ticket's policy; `finish` overrides the finish limit (交办 with days).
    async fn clocks_of_ticket(&self, row: &TicketRow, finish: Option<Limit>) -> Result<Clocks> {
        let urgency = Urgency::parse(&row.urgency).unwrap_or(Urgency::Normal);
        let (mut clocks, _) = self.clocks_for(row.category_id, urgency).await?;
        if let Some(finish) = finish {
            clocks.finish = finish;
        }
        Ok(clocks)
    }

    /// Hands the ticket to `target`; starts its accept clock, and the response and finish
    /// clocks when none run yet (a re-dispatch inside the unit keeps the unit's deadline).
    fn dispatch_to(
        &self,
        row: &mut TicketRow,
        target: &OrgRow,
        by_unit: Option<Uuid>,
        clocks: Clocks,
        now: DateTime<Utc>,
        timers: &mut Vec<(TimerKind, DateTime<Utc>, DateTime<Utc>)>,
    ) {
        let calendar = self.calendar();
        row.holder_org_id = Some(target.id);
        row.dispatched_by_org_id = by_unit;
        row.accepted_at = None;
        let accept = clocks.accept.due(&calendar, now).at;
        row.accept_due = Some(accept);
        timers.push((TimerKind::AcceptWarning, accept, now));
        timers.push((TimerKind::AcceptOverdue, accept, now));
        if row.finish_due.is_none() {
            row.dispatched_at = Some(now);
            let response = clocks.response.due(&calendar, now).at;
            let finish = clocks.finish.due(&calendar, now).at;
            row.response_due = Some(response);
            row.finish_due = Some(finish);
            row.original_finish_due = Some(finish);
            timers.push((TimerKind::ResponseOverdue, response, now));
            timers.push((TimerKind::FinishWarning, finish, now));
            timers.push((TimerKind::FinishOverdue, finish, now));
        }
    }

    /// One child ticket for an assisting unit (协办), sharing the parent's deadlines.
    #[expect(clippy::too_many_arguments, reason = "the child needs all of the parent's context")]
    async fn create_child(
        &self,
        txn: &DatabaseTransaction,
        ctx: &Ctx,
        parent: &TicketRow,
        assist: &OrgRow,
        ordinal: usize,
        clocks: Clocks,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut child = parent.clone();
        child.id = Uuid::now_v7();
        child.number = format!("{}-{ordinal:02}", parent.number);
        child.parent_id = Some(parent.id);
        child.state = TicketState::Dispatched.as_str().to_owned();
        child.reply_content = None;
        child.version = 0;
        child.created_at = now;
        child.updated_at = now;
        let mut timers = Vec::new();
        child.finish_due = None;
        self.dispatch_to(&mut child, assist, None, clocks, now, &mut timers);
        // Assisting units answer to the lead's deadline.
        child.finish_due = parent.finish_due;
        child.original_finish_due = parent.original_finish_due;
        child.response_due = parent.response_due;
        let child = hotline_store::tickets::insert(txn, child).await?;
        record_event(txn, event_row(ctx, &child, Action::Dispatch.as_str(), Some(TicketState::Registered), Some(TicketState::Dispatched), Some(assist.id), None, json!({"org_id": assist.id, "by_unit": false, "role": "assisting", "parent_id": parent.id}), now))
            .await?;
        self.insert_timers(txn, &child, &timers).await?;
        hotline_store::tickets::insert_outbox(
            txn,
            super::outbox::event_for(
                "ticket.dispatch",
                &child,
                &[Some(assist.id)],
                json!({"org_id": assist.id}),
                now,
            ),
        )
        .await?;
        Ok(())
    }

    /// Who had dispatched to `unit`: the unit above it, or `None` for the center.
    async fn dispatcher_of(
        &self,
        txn: &DatabaseTransaction,
        ticket: Uuid,
        unit: Uuid,
    ) -> Result<Option<Uuid>> {
        let events = hotline_store::tickets::events(txn, ticket).await?;
        Ok(events
            .iter()
            .rev()
            .find(|e| e.action == Action::Dispatch.as_str() && e.org_id == Some(unit))
            .filter(|e| {
                serde_json::from_str::<serde_json::Value>(&e.detail)
                    .is_ok_and(|d| d["by_unit"] == true)
            })
            .and_then(|e| e.actor_org_id))
    }

    async fn requested_extension_days(
        &self,
        txn: &DatabaseTransaction,
        ticket: Uuid,
    ) -> Result<Option<u32>> {
        let events = hotline_store::tickets::events(txn, ticket).await?;
        Ok(events
            .iter()
            .rev()
            .find(|e| e.action == Action::RequestExtension.as_str())
            .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
            .and_then(|d| d["days"].as_u64())
            .and_then(|d| u32::try_from(d).ok()))
    }

    /// Back to the unit (重办) with a fresh finish clock.
    async fn reopen(
        &self,
        row: &mut TicketRow,
        now: DateTime<Utc>,
        timers: &mut Vec<(TimerKind, DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<()> {
        let clocks = self.clocks_of_ticket(row, None).await?;
        let due = clocks.finish.due(&self.calendar(), now).at;
        row.state = TicketState::InProgress.as_str().to_owned();
        row.reopened_count += 1;
        row.closed_at = None;
        row.close_reason = None;
        row.overdue = false;
        row.finish_due = Some(due);
        timers.push((TimerKind::FinishWarning, due, now));
        timers.push((TimerKind::FinishOverdue, due, now));
        Ok(())
    }

    /// Closes the ticket and the child tickets of its assisting units.
    async fn close(
        &self,
        txn: &DatabaseTransaction,
        ctx: &Ctx,
        row: &mut TicketRow,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        row.state = TicketState::Closed.as_str().to_owned();
        row.closed_at = Some(now);
        row.close_reason = Some(reason.to_owned());
        for mut child in hotline_store::tickets::children(txn, row.id).await? {
            let from = state_of(&child);
            if from.is_finished() {
                continue;
            }
            child.state = TicketState::Closed.as_str().to_owned();
            child.closed_at = Some(now);
            child.close_reason = Some("closed_with_parent".to_owned());
            child.updated_at = now;
            let child = hotline_store::tickets::update(txn, child).await?;
            record_event(
                txn,
                event_row(
                    ctx,
                    &child,
                    "closed_with_parent",
                    Some(from),
                    Some(TicketState::Closed),
                    None,
                    None,
                    json!({"parent_id": row.id}),
                    now,
                ),
            )
            .await?;
        }
        Ok(())
    }

    /// The master's approved reply reaches every merged citizen.
    async fn share_result(
        &self,
        txn: &DatabaseTransaction,
        ctx: &Ctx,
        master: &TicketRow,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for mut dup in hotline_store::tickets::merged_into(txn, master.id).await? {
            dup.reply_content.clone_from(&master.reply_content);
            dup.updated_at = now;
            let dup = hotline_store::tickets::update(txn, dup).await?;
            record_event(
                txn,
                event_row(
                    ctx,
                    &dup,
                    "result_shared",
                    None,
                    None,
                    None,
                    None,
                    json!({"master_id": master.id, "master_number": master.number}),
                    now,
                ),
            )
            .await?;
            hotline_store::tickets::insert_outbox(
                txn,
                super::outbox::event_for(
                    "citizen.notify",
                    &dup,
                    &[dup.holder_org_id],
                    json!({"reason": "result_shared"}),
                    now,
                ),
            )
            .await?;
        }
        Ok(())
    }
}

/// Saves a timeline entry built by [`event_row`].
pub(crate) async fn record_event(
    txn: &DatabaseTransaction,
    event: TicketEventRow,
) -> Result<TicketEventRow> {
    hotline_store::tickets::insert_event(txn, event.clone()).await?;
    Ok(event)
}

/// A timeline entry, attributed to the caller (or to `system` for timers).
#[expect(clippy::too_many_arguments, reason = "a timeline row has this many parts")]
pub(crate) fn event_row(
    ctx: &Ctx,
    row: &TicketRow,
    action: &str,
    from: Option<TicketState>,
    to: Option<TicketState>,
    org: Option<Uuid>,
    opinion: Option<&str>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> TicketEventRow {
    let (actor_id, actor_name, actor_org) = match &ctx.principal {
        Some(p) => (
            p.user_id().map(|u| u.to_string()).or_else(|| Some(p.name.clone())),
            Some(p.name.clone()),
            Some(p.org_id.as_uuid()).filter(|id| !id.is_nil()),
        ),
        None => (None, Some("system".to_owned()), None),
    };
    TicketEventRow {
        id: Uuid::now_v7(),
        ticket_id: row.id,
        at: now,
        action: action.to_owned(),
        actor_id,
        actor_name,
        actor_org_id: actor_org,
        from_state: from.map(|s| s.as_str().to_owned()),
        to_state: to.map(|s| s.as_str().to_owned()),
        org_id: org,
        opinion: opinion.map(str::to_owned),
        detail: detail.to_string(),
    }
}
