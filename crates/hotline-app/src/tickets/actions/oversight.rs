//! The center's oversight of a ticket with a unit: extensions (延期), urging (催办),
//! supervision (督办) and the leaders' instructions (批示).

use hotline_domain::ticket::Action;
use hotline_domain::ticket::decisions::{MAX_EXTENSION_DAYS, SUPERVISION_LEVELS, extended_finish};
use hotline_domain::{FieldError, FieldIssue};
use sea_orm::DatabaseTransaction;
use serde_json::json;
use uuid::Uuid;

use super::{Step, optional, text};

/// The longest instruction a leader may write.
const MAX_INSTRUCTION: usize = 2_000;
use crate::Result;

/// Grants the days asked for (or others): the finish deadline moves on from where it stood.
pub(super) async fn approve_extension(step: &mut Step<'_>) -> Result<()> {
    let requested = requested_extension_days(step.txn, step.row.id).await?;
    let days = match step.input.days.or(requested) {
        Some(d) if (1..=MAX_EXTENSION_DAYS).contains(&d) => d,
        _ => return Err(FieldError::new("days", FieldIssue::InvalidValue).into()),
    };
    step.opinion = optional("opinion", step.input.opinion.as_deref(), 2_000)?;
    let (now, row) = (step.now, &mut step.row);
    let old = row.finish_due.unwrap_or(now);
    let due = extended_finish(&step.acting.lookups.calendar, row.finish_due, days, now);
    row.original_finish_due = row.original_finish_due.or(row.finish_due);
    row.finish_due = Some(due);
    if due > now {
        row.overdue = false;
    }
    step.timers.finish(due, now);
    step.detail = json!({"days": days, "finish_due": due, "previous_finish_due": old});
    step.org = step.row.holder_org_id;
    Ok(())
}

pub(super) fn deny_extension(step: &mut Step<'_>) -> Result<()> {
    step.opinion = Some(text("reason", step.input.reason.as_deref(), 1_000)?);
    step.org = step.row.holder_org_id;
    Ok(())
}

pub(super) fn urge(step: &mut Step<'_>) -> Result<()> {
    step.opinion = optional("opinion", step.input.opinion.as_deref(), 2_000)?;
    step.row.urged_count += 1;
    step.org = step.row.holder_org_id;
    Ok(())
}

/// Raises supervision to the level given (one above the current by default); never lowers it.
pub(super) fn supervise(step: &mut Step<'_>) -> Result<()> {
    step.opinion = Some(text("opinion", step.input.opinion.as_deref(), 2_000)?);
    let level = step.input.level.unwrap_or(step.row.supervision_level + 1);
    if !SUPERVISION_LEVELS.contains(&level) {
        return Err(FieldError::new("level", FieldIssue::InvalidValue).into());
    }
    step.row.supervision_level = step.row.supervision_level.max(level);
    step.detail = json!({"level": step.row.supervision_level});
    step.org = step.row.holder_org_id;
    Ok(())
}

/// 批示: a leader's words on the ticket, from a briefing's item or the ticket itself. The units
/// holding it are told: the holder, and the assisting units still working on its children.
pub(super) async fn instruct(step: &mut Step<'_>) -> Result<()> {
    step.opinion = Some(text("content", step.input.content.as_deref(), MAX_INSTRUCTION)?);
    if let Some(briefing) = step.input.briefing_id
        && !hotline_store::briefings::published_item_on(step.txn, briefing, step.row.id).await?
    {
        return Err(FieldError::new("briefing_id", FieldIssue::InvalidValue)
            .with_detail("no published briefing has an item on this ticket")
            .into());
    }
    step.row.instruction_count += 1;
    step.org = step.row.holder_org_id;
    step.told = step
        .children
        .iter()
        .filter(|c| !c.state.has_replied())
        .filter_map(|c| c.holder_org_id)
        .filter(|org| Some(*org) != step.org)
        .collect();
    step.detail = json!({"briefing_id": step.input.briefing_id, "assisting_org_ids": step.told});
    Ok(())
}

/// The days of the latest extension request, from its timeline entry.
async fn requested_extension_days(txn: &DatabaseTransaction, ticket: Uuid) -> Result<Option<u32>> {
    let events = hotline_store::tickets::events(txn, ticket).await?;
    Ok(events
        .iter()
        .rev()
        .find(|e| e.action == Action::RequestExtension.as_str())
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.detail).ok())
        .and_then(|d| d["days"].as_u64())
        .and_then(|d| u32::try_from(d).ok()))
}
