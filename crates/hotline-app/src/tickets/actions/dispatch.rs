//! Sending a ticket to a unit: 转办 / 交办 / 紧急处理 / 派单 from the center (with assisting
//! units, 协办), a unit passing it down its own tree, and the dispatcher's answer to a return.

use chrono::{DateTime, Utc};
use hotline_domain::conflict::Conflict;
use hotline_domain::sla::{Clocks, Limit};
use hotline_domain::ticket::decisions::dispatch_deadlines;
use hotline_domain::ticket::{Action, HandlingType, TicketState, Urgency};
use hotline_domain::{FieldError, FieldIssue};
use hotline_store::orgs::OrgRow;
use hotline_store::tickets::TicketRow;
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use super::{Lookups, Step, Timers, event_row, optional, record_event, text};
use crate::identity::orgs::path_of;
use crate::{Error, Result};

/// From the center's queue to a unit, or from a unit to one of its sub-orgs.
pub(super) async fn dispatch(step: &mut Step<'_>) -> Result<()> {
    if matches!(step.from, TicketState::Registered | TicketState::Draft) {
        from_center(step).await
    } else {
        within_unit(step)
    }
}

/// 转办 / 交办 / 紧急处理 / 派单 from the center, with assisting units when given.
async fn from_center(step: &mut Step<'_>) -> Result<()> {
    let (action, input, now) = (step.action, step.input, step.now);
    let lookups = &step.acting.lookups;
    let target = lookups.unit(input.org_id, "org_id")?;
    let assists = assist_targets(lookups, action, input, target)?;
    let finish_override = match (action, input.days) {
        (Action::Assign, Some(days)) => Some(Limit::working_days(days).validate("days")?),
        (_, Some(_)) => return Err(FieldError::new("days", FieldIssue::NotAllowed).into()),
        (_, None) => None,
    };
    step.opinion =
        optional("opinion", input.opinion.as_deref().or(input.content.as_deref()), 2_000)?;
    let row = &mut step.row;
    if action == Action::Emergency {
        row.emergency = true;
        row.urgency = Urgency::Critical;
    }
    let kind = step.handling.unwrap_or(match action {
        Action::Transfer => HandlingType::Transfer,
        Action::Emergency => HandlingType::Emergency,
        _ => HandlingType::Assign,
    });
    if row.handling_type.is_none() || step.handling.is_some() || action != Action::Dispatch {
        row.handling_type = Some(kind);
    }
    let clocks = lookups.clocks(row, finish_override);
    dispatch_to(lookups, row, target, None, clocks, now, &mut step.timers);
    step.org = Some(target.id);
    step.detail = json!({"org_id": target.id, "by_unit": false, "assist_org_ids": assists.iter().map(|a| a.id).collect::<Vec<_>>()});
    let existing = step.children.len();
    for (i, assist) in assists.iter().enumerate() {
        create_child(step, assist, existing + i + 1, clocks).await?;
    }
    Ok(())
}

/// A unit passes the ticket down to one of its own sub-orgs; the unit's deadline stands.
fn within_unit(step: &mut Step<'_>) -> Result<()> {
    let (input, now) = (step.input, step.now);
    let lookups = &step.acting.lookups;
    let target = lookups.unit(input.org_id, "org_id")?;
    let holder =
        step.row.holder_org_id.ok_or_else(|| Error::conflict(Conflict::InvalidTransition))?;
    if target.id == holder || !step.acting.principal.org_path.contains(&path_of(target)) {
        return Err(FieldError::new("org_id", FieldIssue::NotAllowed)
            .with_detail("a unit re-dispatches to its own sub-orgs")
            .into());
    }
    if input.assist_org_ids.as_ref().is_some_and(|a| !a.is_empty()) {
        return Err(FieldError::new("assist_org_ids", FieldIssue::NotAllowed).into());
    }
    step.opinion = optional("opinion", input.opinion.as_deref(), 2_000)?;
    let clocks = lookups.clocks(&step.row, None);
    dispatch_to(lookups, &mut step.row, target, Some(holder), clocks, now, &mut step.timers);
    step.org = Some(target.id);
    step.detail = json!({"org_id": target.id, "by_unit": true});
    Ok(())
}

/// 退单 approved: back to the center's queue, or to the unit that had re-dispatched it.
pub(super) async fn approve_return(step: &mut Step<'_>) -> Result<()> {
    step.opinion = optional("opinion", step.input.opinion.as_deref(), 2_000)?;
    step.org = step.row.holder_org_id;
    let row = &mut step.row;
    match row.dispatched_by_org_id {
        None => {
            row.state = TicketState::Registered;
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
            row.dispatched_by_org_id = dispatcher_of(step.txn, row.id, unit).await?;
            row.state = TicketState::InProgress;
            row.accept_due = None;
        }
    }
    Ok(())
}

/// 退单 overruled: the unit keeps the ticket and must accept it again.
pub(super) fn overrule_return(step: &mut Step<'_>) -> Result<()> {
    step.opinion = Some(text("reason", step.input.reason.as_deref(), 1_000)?);
    step.org = step.row.holder_org_id;
    let lookups = &step.acting.lookups;
    let due = lookups.clocks(&step.row, None).accept.due(&lookups.calendar, step.now).at;
    step.row.accept_due = Some(due);
    step.row.accepted_at = None;
    step.timers.accept(due, step.now);
    Ok(())
}

/// The assisting units (协办) of a dispatch: active units, each once, none the lead.
fn assist_targets<'a>(
    lookups: &'a Lookups,
    action: Action,
    input: &super::ActionInput,
    lead: &OrgRow,
) -> Result<Vec<&'a OrgRow>> {
    let Some(ids) = input.assist_org_ids.as_ref().filter(|ids| !ids.is_empty()) else {
        return Ok(Vec::new());
    };
    if action != Action::Dispatch {
        return Err(FieldError::new("assist_org_ids", FieldIssue::NotAllowed)
            .with_detail("lead and assisting units are set by dispatch")
            .into());
    }
    let mut out: Vec<&OrgRow> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("assist_org_ids[{i}]");
        let org = lookups.unit(Some(*id), &field)?;
        if org.id == lead.id || out.iter().any(|o| o.id == org.id) {
            return Err(FieldError::new(field, FieldIssue::InvalidValue)
                .with_detail("listed twice or the lead unit")
                .into());
        }
        out.push(org);
    }
    Ok(out)
}

/// Hands the ticket to `target` with the deadlines the dispatch sets.
fn dispatch_to(
    lookups: &Lookups,
    row: &mut TicketRow,
    target: &OrgRow,
    by_unit: Option<Uuid>,
    clocks: Clocks,
    now: DateTime<Utc>,
    timers: &mut Timers,
) {
    let deadlines = dispatch_deadlines(&clocks, &lookups.calendar, now, row.finish_due.is_some());
    row.holder_org_id = Some(target.id);
    row.dispatched_by_org_id = by_unit;
    row.accepted_at = None;
    row.accept_due = Some(deadlines.accept);
    if let Some(first) = deadlines.first {
        row.dispatched_at = Some(now);
        row.response_due = Some(first.response);
        row.finish_due = Some(first.finish);
        row.original_finish_due = Some(first.finish);
    }
    timers.dispatch(deadlines, now);
}

/// One child ticket for an assisting unit (协办), answering to the lead's deadlines.
async fn create_child(
    step: &Step<'_>,
    assist: &OrgRow,
    ordinal: usize,
    clocks: Clocks,
) -> Result<()> {
    let (parent, now, txn) = (&step.row, step.now, step.txn);
    let mut child = parent.clone();
    child.id = Uuid::now_v7();
    child.number = format!("{}-{ordinal:02}", parent.number);
    child.parent_id = Some(parent.id);
    child.state = TicketState::Dispatched;
    child.reply_content = None;
    child.version = 0;
    child.created_at = now;
    child.updated_at = now;
    child.finish_due = None;
    let mut timers = Timers::default();
    dispatch_to(step.lookups(), &mut child, assist, None, clocks, now, &mut timers);
    child.finish_due = parent.finish_due;
    child.original_finish_due = parent.original_finish_due;
    child.response_due = parent.response_due;
    let child = hotline_store::tickets::insert(txn, child).await?;
    let detail =
        json!({"org_id": assist.id, "by_unit": false, "role": "assisting", "parent_id": parent.id});
    let event = event_row(
        step.ctx(),
        &child,
        Action::Dispatch.as_str(),
        Some(TicketState::Registered),
        Some(TicketState::Dispatched),
        Some(assist.id),
        None,
        detail,
        now,
    );
    record_event(txn, event).await?;
    step.app.insert_timers(txn, &child, &timers.0).await?;
    hotline_store::tickets::insert_outbox(
        txn,
        crate::tickets::outbox::event_for(
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
pub(super) async fn dispatcher_of(
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
            serde_json::from_str::<serde_json::Value>(&e.detail).is_ok_and(|d| d["by_unit"] == true)
        })
        .and_then(|e| e.actor_org_id))
}
