//! A unit's own work on a ticket it holds: accept (签收), return (退单), ask for more time,
//! contact the citizen and reply.

use hotline_domain::FieldError;
use hotline_domain::FieldIssue;
use hotline_domain::ticket::decisions::MAX_EXTENSION_DAYS;
use serde_json::json;

use super::dispatch::dispatcher_of;
use super::{Step, text};
use crate::Result;

pub(super) fn accept(step: &mut Step<'_>) {
    step.row.accepted_at = Some(step.now);
}

/// 退单: back to whoever dispatched it, who approves or overrules.
pub(super) fn send_return(step: &mut Step<'_>) -> Result<()> {
    step.opinion = Some(text("reason", step.input.reason.as_deref(), 1_000)?);
    step.row.returned_count += 1;
    step.org = step.row.holder_org_id;
    Ok(())
}

/// 延期申请: the days asked for travel in the event's detail until the center decides.
pub(super) fn request_extension(step: &mut Step<'_>) -> Result<()> {
    let days = match step.input.days {
        Some(d) if (1..=MAX_EXTENSION_DAYS).contains(&d) => d,
        Some(_) => {
            return Err(FieldError::new("days", FieldIssue::InvalidValue)
                .with_limit(MAX_EXTENSION_DAYS as usize)
                .into());
        }
        None => return Err(FieldError::new("days", FieldIssue::Required).into()),
    };
    step.opinion = Some(text("reason", step.input.reason.as_deref(), 1_000)?);
    step.detail = json!({"days": days});
    step.org = step.row.holder_org_id;
    Ok(())
}

/// 联系市民: the first contact stops the response clock.
pub(super) fn contact_citizen(step: &mut Step<'_>) -> Result<()> {
    step.opinion = Some(text("content", step.input.content.as_deref(), 5_000)?);
    step.row.first_contact_at = step.row.first_contact_at.or(Some(step.now));
    step.org = step.row.holder_org_id;
    Ok(())
}

/// 办结回复: the reply goes up for review to the unit that re-dispatched the ticket, past any
/// that does not review its sub-units' replies, and on to the center.
pub(super) async fn reply(step: &mut Step<'_>) -> Result<()> {
    let content = text("content", step.input.content.as_deref(), 10_000)?;
    step.row.reply_content = Some(content.clone());
    step.row.replied_at = Some(step.now);
    step.opinion = Some(content);
    step.org = step.row.holder_org_id;
    let orgs = &step.acting.lookups.reference.orgs;
    let mut passed = Vec::new();
    while let Some(unit) = step.row.dispatched_by_org_id
        && orgs.get(&unit).is_some_and(|o| !o.reviews_replies)
    {
        passed.push(unit);
        step.row.dispatched_by_org_id = dispatcher_of(step.txn, step.row.id, unit).await?;
    }
    if !passed.is_empty() {
        step.detail = json!({"passed_up_by": passed});
    }
    Ok(())
}
