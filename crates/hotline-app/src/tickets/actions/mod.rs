//! Everything that moves a ticket: `POST /tickets/{id}/actions/{action}` and batch assign.
//!
//! Each action runs in one transaction with the ticket's row locked: the gate
//! (`lifecycle::check`), then the action's effect, the timeline event, the audit row, the
//! outbox entry and any deadline timers commit together or not at all. The effects live by
//! group — intake, dispatch, unit work, oversight, closing — and decide through
//! `hotline_domain::ticket::decisions`. What they read beside the ticket (units, policies, the
//! calendar) is looked up before the transaction, so the single writer never waits on the
//! read pool.

mod closing;
mod dispatch;
mod intake;
mod oversight;
mod unit_work;

use hotline_domain::conflict::Conflict;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use hotline_domain::audit::{AuditAction, AuditRecord, Outcome};
use hotline_domain::calendar::Calendar;
use hotline_domain::role::{Permission, Principal};
use hotline_domain::sla::{Clocks, Limit};
use hotline_domain::ticket::decisions::DispatchDeadlines;
use hotline_domain::ticket::lifecycle::{self, Next, Refusal};
use hotline_domain::ticket::{Action, HandlingType, TicketState};
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId, TicketId};
use hotline_store::orgs::OrgRow;
use hotline_store::tickets::{IdempotencyRow, TicketEventRow, TicketRow};
use sea_orm::DatabaseTransaction;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::attachments::{AttachmentInput, attachment_rows, check_attachments};
use super::{TicketSummary, TicketView, WriteFailure, bounded_text_multiline};
use crate::reference::ReferenceData;
use crate::{App, AuditEntry, Ctx, Error, Result};
use hotline_domain::sla::TimerKind;

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
    /// Instruct: the published briefing whose item on this ticket the leader answers.
    pub briefing_id: Option<Uuid>,
    /// Files that come with this step (a reply's photos, a contact record's recording).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentInput>,
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
        let acting = Acting::new(ctx, &principal, self).await?;
        let app = self.clone();
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
                    let applied = app.apply(txn, &acting, action, row, &input, None).await?;
                    tx.audit([applied.audit]);
                    Ok((applied.row, applied.told))
                })
            })
            .await;
        let (row, told) = match acted {
            Ok(done) => done,
            // An earlier (or concurrent) request with the same key acted first.
            Err(WriteFailure::KeyRaced) => {
                let key = key.as_deref().unwrap_or_default();
                return match self.replay(&principal, key, &request_hash).await? {
                    Some(done) => self.ticket_view(&principal, done).await,
                    None => Err(Error::conflict(Conflict::ConcurrentUpdate)),
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
        for org in told {
            self.publish(crate::events::LiveEvent::told(&row, org, action.as_str()));
        }
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
        let acting = Acting::new(ctx, &principal, self).await?;
        let app = self.clone();
        let rows = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let txn: &DatabaseTransaction = tx;
                    let mut rows = Vec::with_capacity(input.ticket_ids.len());
                    let mut refused = Vec::new();
                    for (i, id) in input.ticket_ids.iter().enumerate() {
                        let field = format!("ticket_ids[{i}]");
                        let Some(row) =
                            hotline_store::tickets::find_for_update(txn, id.as_uuid()).await?
                        else {
                            refused.push(FieldError::new(field, FieldIssue::NotFound));
                            continue;
                        };
                        let batch = Some(HandlingType::BatchAssign);
                        match app
                            .apply(txn, &acting, Action::Assign, row, &action_input, batch)
                            .await
                        {
                            Ok(applied) => {
                                rows.push(applied.row);
                                tx.audit([applied.audit]);
                            }
                            Err(Error::Conflict { code, .. }) => refused.push(
                                FieldError::new(field, FieldIssue::NotAllowed)
                                    .with_detail(code.as_str()),
                            ),
                            Err(e) => return Err(e),
                        }
                    }
                    if refused.is_empty() {
                        Ok(rows)
                    } else {
                        Err(Error::Conflict { code: Conflict::InvalidTransition, fields: refused })
                    }
                })
            })
            .await?;
        for row in &rows {
            self.publish(crate::events::LiveEvent::ticket(row, Action::Assign.as_str()));
        }
        Ok(BatchResult { tickets: self.summaries(&principal, rows).await? })
    }

    /// Checks and applies one action inside `txn`; returns the saved ticket, the audit record
    /// the caller seals with the transaction, and the units to tell besides the holder.
    pub(super) async fn apply(
        &self,
        txn: &DatabaseTransaction,
        acting: &Acting,
        action: Action,
        row: TicketRow,
        input: &ActionInput,
        handling: Option<HandlingType>,
    ) -> Result<Applied> {
        let mut errors = FieldErrors::new();
        check_attachments(&mut errors, "attachments", &input.attachments);
        errors.into_result()?;
        let children = hotline_store::tickets::children(txn, row.id).await?;
        let open_children = children.iter().filter(|c| !c.state.has_replied()).count();
        let transition =
            match lifecycle::check(action, &self.facts(&row, open_children), &acting.principal) {
                Ok(t) => t,
                Err(Refusal::InvalidTransition) => {
                    return Err(Error::conflict(Conflict::InvalidTransition));
                }
                Err(Refusal::Forbidden) => return Err(Error::Forbidden),
                Err(Refusal::Guard(code)) => return Err(Error::conflict(code)),
            };
        let mut step = Step {
            app: self,
            txn,
            acting,
            input,
            action,
            handling,
            from: row.state,
            holder_before: row.holder_org_id,
            row,
            children,
            now: self.now(),
            org: None,
            told: Vec::new(),
            opinion: None,
            detail: json!({}),
            timers: Timers::default(),
        };
        match action {
            Action::Register => {}
            Action::Answer | Action::Liaise => intake::answer(&mut step)?,
            Action::Dismiss => intake::dismiss(&mut step)?,
            Action::Excerpt => intake::excerpt(&mut step)?,
            Action::Transfer | Action::Assign | Action::Emergency | Action::Dispatch => {
                dispatch::dispatch(&mut step).await?;
            }
            Action::ApproveReturn => dispatch::approve_return(&mut step).await?,
            Action::OverruleReturn => dispatch::overrule_return(&mut step)?,
            Action::Accept => unit_work::accept(&mut step),
            Action::Return => unit_work::send_return(&mut step)?,
            Action::RequestExtension => unit_work::request_extension(&mut step)?,
            Action::ContactCitizen => unit_work::contact_citizen(&mut step)?,
            Action::Reply => unit_work::reply(&mut step).await?,
            Action::ApproveExtension => oversight::approve_extension(&mut step).await?,
            Action::DenyExtension => oversight::deny_extension(&mut step)?,
            Action::Urge => oversight::urge(&mut step)?,
            Action::Supervise => oversight::supervise(&mut step)?,
            Action::Instruct => oversight::instruct(&mut step).await?,
            Action::ApproveReply => closing::approve_reply(&mut step).await?,
            Action::SendBack => closing::send_back(&mut step)?,
            Action::Callback => closing::callback(&mut step).await?,
            Action::Reopen => closing::reopen(&mut step)?,
            Action::Merge => closing::merge(&mut step).await?,
            Action::Close => closing::close(&mut step).await?,
            Action::Archive => {}
        }
        step.save(transition.next).await
    }
}

/// An action taken, not yet committed.
pub(super) struct Applied {
    pub(super) row: TicketRow,
    pub(super) audit: AuditRecord,
    /// Units to tell besides the ticket's holder (live events after the commit).
    pub(super) told: Vec<Uuid>,
}

/// Who acts, and what they act with: taken once, before the write transaction.
pub(super) struct Acting {
    ctx: Ctx,
    principal: Principal,
    lookups: Lookups,
}

impl Acting {
    pub(super) async fn new(ctx: &Ctx, principal: &Principal, app: &App) -> Result<Self> {
        Ok(Self {
            ctx: ctx.clone(),
            principal: principal.clone(),
            lookups: Lookups { reference: app.reference().await?, calendar: app.calendar() },
        })
    }
}

/// The reference data the effects read: units, policies and the calendar.
struct Lookups {
    reference: Arc<ReferenceData>,
    calendar: Arc<Calendar>,
}

impl Lookups {
    /// An active unit (not the center) to send work to.
    fn unit(&self, id: Option<OrgId>, field: &str) -> Result<&OrgRow> {
        let id = id.ok_or_else(|| FieldError::new(field, FieldIssue::Required))?;
        match self.reference.orgs.get(&id.as_uuid()) {
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

    /// The clocks of a ticket's policy; `finish` overrides the finish limit (交办 with days).
    fn clocks(&self, row: &TicketRow, finish: Option<Limit>) -> Clocks {
        let (mut clocks, _) = self.reference.clocks(row.category_id, row.urgency);
        if let Some(finish) = finish {
            clocks.finish = finish;
        }
        clocks
    }
}

/// Deadline timers an action starts: kind, deadline, and when the clock started.
#[derive(Default)]
struct Timers(Vec<(TimerKind, DateTime<Utc>, DateTime<Utc>)>);

impl Timers {
    fn accept(&mut self, due: DateTime<Utc>, start: DateTime<Utc>) {
        self.0.push((TimerKind::AcceptWarning, due, start));
        self.0.push((TimerKind::AcceptOverdue, due, start));
    }

    fn finish(&mut self, due: DateTime<Utc>, start: DateTime<Utc>) {
        self.0.push((TimerKind::FinishWarning, due, start));
        self.0.push((TimerKind::FinishOverdue, due, start));
    }

    fn dispatch(&mut self, deadlines: DispatchDeadlines, start: DateTime<Utc>) {
        self.accept(deadlines.accept, start);
        if let Some(first) = deadlines.first {
            self.0.push((TimerKind::ResponseOverdue, first.response, start));
            self.finish(first.finish, start);
        }
    }
}

/// One action under way inside its transaction: the ticket as the effect changes it, and what
/// the change records on the timeline, in the audit trail and in the outbox.
struct Step<'a> {
    app: &'a App,
    txn: &'a DatabaseTransaction,
    acting: &'a Acting,
    input: &'a ActionInput,
    action: Action,
    /// The handling type batch assign (集中交办) sets.
    handling: Option<HandlingType>,
    from: TicketState,
    /// Webhooks tell the unit a ticket leaves (a return approved, a re-dispatch) as well.
    holder_before: Option<Uuid>,
    row: TicketRow,
    children: Vec<TicketRow>,
    now: DateTime<Utc>,
    /// The unit the action concerns.
    org: Option<Uuid>,
    /// Units told besides the holder: an instruction reaches the assisting units too.
    told: Vec<Uuid>,
    opinion: Option<String>,
    detail: serde_json::Value,
    timers: Timers,
}

impl Step<'_> {
    fn ctx(&self) -> &Ctx {
        &self.acting.ctx
    }

    fn lookups(&self) -> &Lookups {
        &self.acting.lookups
    }

    /// Saves the ticket and records the action: timeline, timers, outbox, audit.
    async fn save(self, next: Next) -> Result<Applied> {
        let Self {
            app,
            txn,
            acting,
            input,
            action,
            from,
            holder_before,
            mut row,
            now,
            org,
            told,
            opinion,
            detail,
            timers,
            ..
        } = self;
        if let Next::To(state) = next {
            row.state = state;
        }
        let to = row.state;
        row.updated_at = now;
        let row = hotline_store::tickets::update(txn, row).await?;
        let event = event_row(
            &acting.ctx,
            &row,
            action.as_str(),
            Some(from),
            Some(to),
            org,
            opinion.as_deref(),
            detail.clone(),
            now,
        );
        let event_id = event.id;
        record_event(txn, event).await?;
        let uploaded_by = acting.principal.user_id().map(|u| u.as_uuid());
        hotline_store::tickets::insert_attachments(
            txn,
            attachment_rows(&input.attachments, row.id, Some(event_id), uploaded_by, now),
        )
        .await?;
        app.insert_timers(txn, &row, &timers.0).await?;
        hotline_store::tickets::insert_outbox(
            txn,
            super::outbox::event_for(
                action.audit_name(),
                &row,
                &[row.holder_org_id, holder_before, org]
                    .into_iter()
                    .chain(told.iter().copied().map(Some))
                    .collect::<Vec<_>>(),
                json!({"action": action, "from": from, "to": to, "org_id": org, "holder_before": holder_before, "opinion": opinion, "detail": detail}),
                now,
            ),
        )
        .await?;
        let audit = acting.ctx.record(
            AuditEntry::new(AuditAction::Ticket(action)).subject("ticket", row.id).detail(json!({
                "number": row.number, "from": from, "to": to, "org_id": org, "opinion": opinion, "detail": detail,
            })),
            now,
        );
        Ok(Applied { row, audit, told })
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
        from_state: from,
        to_state: to,
        org_id: org,
        opinion: opinion.map(str::to_owned),
        detail: detail.to_string(),
    }
}
