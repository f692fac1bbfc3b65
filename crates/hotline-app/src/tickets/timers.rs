//! Deadline timers: stored in the database with the ticket change that sets them, so they
//! survive restarts, and claimed with a conditional update, so each fires exactly once however
//! many workers poll. A timer whose deadline has since moved (extension, re-dispatch, reply)
//! fires as a no-op.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::conflict::Conflict;
use hotline_domain::sla::{TimerKind, warning_at};
use hotline_domain::ticket::{Action, TicketState};
use hotline_store::WriteTx;
use hotline_store::tickets::{TicketRow, TimerRow};
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use super::{event_row, record_event};
use crate::{App, AuditEntry, Ctx, Error, Result};

const BATCH: u64 = 100;

impl App {
    /// Stores timers for `(kind, deadline, clock start)`; warnings fire at the configured share.
    pub(crate) async fn insert_timers(
        &self,
        txn: &DatabaseTransaction,
        row: &TicketRow,
        specs: &[(TimerKind, DateTime<Utc>, DateTime<Utc>)],
    ) -> Result<()> {
        let now = self.now();
        let share = self.config.tickets.warning_share_left;
        let rows = specs
            .iter()
            .filter_map(|(kind, deadline, start)| {
                let due = match kind {
                    TimerKind::AcceptWarning | TimerKind::FinishWarning => {
                        let at = warning_at(*start, *deadline, share);
                        if at >= *deadline {
                            return None;
                        }
                        at
                    }
                    _ => *deadline,
                };
                Some(TimerRow {
                    id: Uuid::now_v7(),
                    ticket_id: row.id,
                    kind: *kind,
                    deadline_at: *deadline,
                    due_at: due,
                    fired_at: None,
                    created_at: now,
                })
            })
            .collect();
        hotline_store::tickets::insert_timers(txn, rows).await?;
        Ok(())
    }

    /// Fires every timer that is due now; returns how many changed a ticket. The server calls
    /// this on an interval; tests call it after moving the clock.
    pub async fn run_due_timers(&self) -> Result<u64> {
        let now = self.now();
        let mut fired = 0;
        let mut seen = 0;
        loop {
            let due = hotline_store::tickets::due_timers(self.store.reader(), now, BATCH).await?;
            if due.is_empty() {
                break;
            }
            for timer in &due {
                if self.fire(timer, now).await? {
                    fired += 1;
                }
            }
            seen += due.len();
            // Timers claimed elsewhere may still show as due for a moment; never spin.
            if seen > 100_000 {
                break;
            }
        }
        Ok(fired)
    }

    async fn fire(&self, timer: &TimerRow, now: DateTime<Utc>) -> Result<bool> {
        let kind = timer.kind;
        let (app, timer) = (self.clone(), timer.clone());
        let fired = self
            .store
            .write(move |tx| Box::pin(async move { app.fire_in(tx, &timer, kind, now).await }))
            .await;
        match fired {
            Ok(Some((row, event))) => {
                self.publish(crate::events::LiveEvent::ticket(&row, event));
                Ok(true)
            }
            Ok(None) => Ok(false),
            // Someone acted on the ticket meanwhile; the timer stays unclaimed for a retry.
            Err(Error::Conflict { code: Conflict::ConcurrentUpdate, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Claims the timer and applies it; the ticket and the timeline event it records, or
    /// nothing when the timer no longer applies (a claimed timer fires once either way).
    async fn fire_in(
        &self,
        tx: &WriteTx<'_>,
        timer: &TimerRow,
        kind: TimerKind,
        now: DateTime<Utc>,
    ) -> Result<Option<(TicketRow, &'static str)>> {
        let txn: &DatabaseTransaction = tx;
        if !hotline_store::tickets::claim_timer(txn, timer.id, now).await? {
            return Ok(None);
        }
        let Some(mut row) = hotline_store::tickets::find_for_update(txn, timer.ticket_id).await?
        else {
            return Ok(None);
        };
        let state = row.state;
        let deadline = Some(timer.deadline_at);
        let relevant = match kind {
            TimerKind::AcceptWarning | TimerKind::AcceptOverdue => {
                state == TicketState::Dispatched && row.accept_due == deadline
            }
            TimerKind::ResponseOverdue => {
                state.is_with_unit()
                    && row.first_contact_at.is_none()
                    && row.response_due == deadline
            }
            TimerKind::FinishWarning | TimerKind::FinishOverdue => {
                state.is_with_unit() && row.finish_due == deadline
            }
            TimerKind::Escalate => {
                state.is_with_unit() && row.overdue && row.finish_due == deadline
            }
        };
        if !relevant {
            return Ok(None);
        }
        let mut ctx = Ctx::system();
        ctx.source_ip = Some("timer".to_owned());
        let (event, audit_action, detail) = match kind {
            TimerKind::AcceptWarning => {
                ("deadline_warning", None, json!({"clock": "accept", "due": timer.deadline_at}))
            }
            TimerKind::FinishWarning => {
                ("deadline_warning", None, json!({"clock": "finish", "due": timer.deadline_at}))
            }
            TimerKind::AcceptOverdue => {
                row.accept_overdue = true;
                row.urged_count += 1;
                (
                    "urge",
                    Some(Action::Urge),
                    json!({"automatic": true, "reason": "accept_overdue", "due": timer.deadline_at}),
                )
            }
            TimerKind::ResponseOverdue => {
                row.response_overdue = true;
                ("response_overdue", None, json!({"due": timer.deadline_at}))
            }
            TimerKind::FinishOverdue => {
                row.overdue = true;
                row.urged_count += 1;
                let escalate = self
                    .calendar()
                    .add_working_days(
                        timer.deadline_at,
                        self.config.tickets.escalate_after_working_days,
                    )
                    .at;
                hotline_store::tickets::insert_timers(
                    txn,
                    vec![TimerRow {
                        id: Uuid::now_v7(),
                        ticket_id: row.id,
                        kind: TimerKind::Escalate,
                        deadline_at: timer.deadline_at,
                        due_at: escalate,
                        fired_at: None,
                        created_at: now,
                    }],
                )
                .await?;
                (
                    "urge",
                    Some(Action::Urge),
                    json!({"automatic": true, "reason": "finish_overdue", "due": timer.deadline_at}),
                )
            }
            TimerKind::Escalate => {
                row.supervision_level = row.supervision_level.max(1);
                (
                    "supervise",
                    Some(Action::Supervise),
                    json!({"automatic": true, "reason": "overdue", "level": row.supervision_level}),
                )
            }
        };
        row.updated_at = now;
        let row = hotline_store::tickets::update(txn, row).await?;
        record_event(
            txn,
            event_row(&ctx, &row, event, None, None, row.holder_org_id, None, detail.clone(), now),
        )
        .await?;
        hotline_store::tickets::insert_outbox(
            txn,
            super::outbox::event_for(
                &format!("ticket.{event}"),
                &row,
                &[row.holder_org_id],
                json!({"org_id": row.holder_org_id, "detail": detail}),
                now,
            ),
        )
        .await?;
        if let Some(action) = audit_action {
            let audit = ctx.record(
                AuditEntry::new(AuditAction::Ticket(action))
                    .subject("ticket", row.id)
                    .detail(json!({"number": row.number, "detail": detail})),
                now,
            );
            tx.audit([audit]);
        }
        Ok(Some((row, event)))
    }
}
