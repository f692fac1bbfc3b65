//! Intake (受理): what an agent does with a registered appeal besides sending it to a unit.

use hotline_domain::ticket::decisions::CloseReason;
use hotline_domain::ticket::{Action, HandlingType};

use super::{Step, text};
use crate::Result;

/// 直接答复, or 联系 with the unit that answered.
pub(super) fn answer(step: &mut Step<'_>) -> Result<()> {
    let content = text("content", step.input.content.as_deref(), 10_000)?;
    let handling = if step.action == Action::Liaise {
        step.org = Some(step.lookups().unit(step.input.org_id, "org_id")?.id);
        HandlingType::Liaise
    } else {
        HandlingType::Answer
    };
    let row = &mut step.row;
    row.handling_type = Some(handling);
    row.reply_content = Some(content.clone());
    row.closed_at = Some(step.now);
    row.close_reason = Some(CloseReason::Answered);
    step.opinion = Some(content);
    Ok(())
}

/// 不处理, with the reason.
pub(super) fn dismiss(step: &mut Step<'_>) -> Result<()> {
    let reason = text("reason", step.input.reason.as_deref(), 1_000)?;
    let row = &mut step.row;
    row.handling_type = Some(HandlingType::Dismiss);
    row.closed_at = Some(step.now);
    row.close_reason = Some(CloseReason::Dismissed);
    step.opinion = Some(reason);
    Ok(())
}

/// 拟摘: the agent's excerpt of a long appeal.
pub(super) fn excerpt(step: &mut Step<'_>) -> Result<()> {
    let content = text("content", step.input.content.as_deref(), 5_000)?;
    step.row.excerpt = Some(content.clone());
    step.opinion = Some(content);
    Ok(())
}
