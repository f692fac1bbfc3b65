//! Closing the loop: the center's review of a reply (审核), the callback (回访) that closes or
//! reopens, merging duplicates (并单) and closing by the center.

use hotline_domain::conflict::Conflict;
use hotline_domain::ticket::decisions::{
    AfterCallback, CallbackResult, CloseReason, after_callback, follows_parent_close,
    master_reply_is_final, may_merge_into,
};
use hotline_domain::ticket::{CallbackRequirement, Labelled as _, Satisfaction, TicketState};
use hotline_domain::{FieldError, FieldErrors, FieldIssue};
use serde_json::json;

use super::dispatch::dispatcher_of;
use super::{Step, event_row, optional, record_event, text};
use crate::{Error, Result};

/// 审核通过. By the unit that re-dispatched the ticket, the reply goes up to whoever
/// dispatched that unit (the center, or a unit above it that reviews in turn) while the unit
/// that did the work keeps the ticket; by the center, merged tickets take the reply and the
/// ticket waits for its callback, or closes when it asked for none.
pub(super) async fn approve_reply(step: &mut Step<'_>) -> Result<()> {
    step.opinion = optional("opinion", step.input.opinion.as_deref(), 2_000)?;
    match step.row.dispatched_by_org_id {
        Some(unit) => {
            let above = dispatcher_of(step.txn, step.row.id, unit).await?;
            step.row.dispatched_by_org_id = above;
            step.row.state = TicketState::ReplySubmitted;
            step.org = Some(unit);
            step.detail = json!({"by_unit": true, "to_review_by": above});
            Ok(())
        }
        None => {
            step.row.state = TicketState::AwaitingCallback;
            share_result(step).await?;
            match step.row.callback_requirement {
                CallbackRequirement::Required | CallbackRequirement::Sms => Ok(()),
                // 无需回访: the approved reply is the end of it.
                CallbackRequirement::NotRequired => {
                    close_with_children(step, CloseReason::NoCallback).await
                }
            }
        }
    }
}

/// The reply goes back to the unit with the reviewer's opinion.
pub(super) fn send_back(step: &mut Step<'_>) -> Result<()> {
    let input = step.input;
    step.opinion =
        Some(text("opinion", input.opinion.as_deref().or(input.reason.as_deref()), 2_000)?);
    step.org = step.row.holder_org_id;
    Ok(())
}

/// 回访: closes, reopens (重办) or waits for another attempt, as `after_callback` decides.
pub(super) async fn callback(step: &mut Step<'_>) -> Result<()> {
    let input = step.input;
    let reachable =
        input.reachable.ok_or_else(|| FieldError::new("reachable", FieldIssue::Required))?;
    step.opinion = optional("content", input.content.as_deref(), 2_000)?;
    step.row.callback_attempts += 1;
    let result = if reachable {
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
        let satisfaction = satisfaction
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("validated satisfaction missing")))?;
        step.row.satisfaction = Some(satisfaction);
        step.row.resolved = input.resolved;
        CallbackResult::Reached { satisfaction, unit_at_fault: input.unit_at_fault == Some(true) }
    } else {
        CallbackResult::Unreachable
    };
    let max = i32::try_from(step.app.config.tickets.callback_max_attempts).unwrap_or(i32::MAX);
    let outcome = after_callback(result, step.row.callback_attempts, max);
    step.detail = match result {
        CallbackResult::Reached { satisfaction, .. } => json!({
            "reachable": true, "satisfaction": satisfaction, "resolved": input.resolved,
            "reopened": outcome == AfterCallback::Reopen,
        }),
        CallbackResult::Unreachable => json!({
            "reachable": false, "attempt": step.row.callback_attempts,
            "closed": matches!(outcome, AfterCallback::Close(_)),
        }),
    };
    match outcome {
        AfterCallback::Close(reason) => close_with_children(step, reason).await?,
        AfterCallback::Reopen => reopen_with_fresh_clock(step),
        AfterCallback::CallAgain => {
            step.row.state = TicketState::AwaitingCallback;
        }
    }
    Ok(())
}

/// 重办 at the center's word.
pub(super) fn reopen(step: &mut Step<'_>) -> Result<()> {
    step.opinion = Some(text("reason", step.input.reason.as_deref(), 1_000)?);
    reopen_with_fresh_clock(step);
    step.org = step.row.holder_org_id;
    Ok(())
}

/// 并单: the ticket folds into a master and takes its reply once that is final.
pub(super) async fn merge(step: &mut Step<'_>) -> Result<()> {
    let master_id =
        step.input.master_id.ok_or_else(|| FieldError::new("master_id", FieldIssue::Required))?;
    let master = hotline_store::tickets::find(step.txn, master_id.as_uuid())
        .await?
        .ok_or_else(|| FieldError::new("master_id", FieldIssue::NotFound))?;
    let master_state = master.state;
    if !may_merge_into(master_state, master.parent_id.is_some(), master.id == step.row.id) {
        return Err(FieldError::new("master_id", FieldIssue::NotAllowed).into());
    }
    if !step.children.is_empty() {
        return Err(Error::conflict(Conflict::HasChildren));
    }
    let now = step.now;
    let row = &mut step.row;
    row.master_id = Some(master.id);
    row.closed_at = Some(now);
    row.close_reason = Some(CloseReason::Merged);
    if master.reply_content.is_some() && master_reply_is_final(master_state) {
        row.reply_content.clone_from(&master.reply_content);
    }
    step.opinion = optional("opinion", step.input.opinion.as_deref(), 2_000)?;
    step.detail = json!({"master_id": master.id, "master_number": master.number});
    let detail = json!({"ticket_id": step.row.id, "number": step.row.number});
    let event = event_row(step.ctx(), &master, "merge_in", None, None, None, None, detail, now);
    record_event(step.txn, event).await?;
    Ok(())
}

pub(super) async fn close(step: &mut Step<'_>) -> Result<()> {
    step.opinion = optional("opinion", step.input.opinion.as_deref(), 2_000)?;
    close_with_children(step, CloseReason::ClosedByCenter).await
}

/// Back to the unit (重办) with a fresh finish clock.
fn reopen_with_fresh_clock(step: &mut Step<'_>) {
    let lookups = &step.acting.lookups;
    let due = lookups.clocks(&step.row, None).finish.due(&lookups.calendar, step.now).at;
    let row = &mut step.row;
    row.state = TicketState::InProgress;
    row.reopened_count += 1;
    row.closed_at = None;
    row.close_reason = None;
    row.overdue = false;
    row.finish_due = Some(due);
    step.timers.finish(due, step.now);
}

/// Closes the ticket and the child tickets of its assisting units that are still open.
async fn close_with_children(step: &mut Step<'_>, reason: CloseReason) -> Result<()> {
    let now = step.now;
    step.row.state = TicketState::Closed;
    step.row.closed_at = Some(now);
    step.row.close_reason = Some(reason);
    for child in &step.children {
        let from = child.state;
        if !follows_parent_close(from) {
            continue;
        }
        let mut child = child.clone();
        child.state = TicketState::Closed;
        child.closed_at = Some(now);
        child.close_reason = Some(CloseReason::ClosedWithParent);
        child.updated_at = now;
        let child = hotline_store::tickets::update(step.txn, child).await?;
        let event = event_row(
            step.ctx(),
            &child,
            CloseReason::ClosedWithParent.as_str(),
            Some(from),
            Some(TicketState::Closed),
            None,
            None,
            json!({"parent_id": step.row.id}),
            now,
        );
        record_event(step.txn, event).await?;
    }
    Ok(())
}

/// The master's approved reply reaches every merged citizen.
async fn share_result(step: &Step<'_>) -> Result<()> {
    let (master, now, txn) = (&step.row, step.now, step.txn);
    for mut dup in hotline_store::tickets::merged_into(txn, master.id).await? {
        dup.reply_content.clone_from(&master.reply_content);
        dup.updated_at = now;
        let dup = hotline_store::tickets::update(txn, dup).await?;
        let detail = json!({"master_id": master.id, "master_number": master.number});
        let event =
            event_row(step.ctx(), &dup, "result_shared", None, None, None, None, detail, now);
        record_event(txn, event).await?;
        hotline_store::tickets::insert_outbox(
            txn,
            crate::tickets::outbox::event_for(
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
