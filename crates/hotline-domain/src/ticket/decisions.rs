//! The pure decisions an action makes beyond its change of state: the deadlines a dispatch
//! sets, where a callback leads, which child tickets follow their parent, what may be merged.
//! The application applies them to rows inside the action's transaction.

use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};

use super::{Satisfaction, TicketState};
use crate::calendar::Calendar;
use crate::sla::Clocks;

/// The longest extension (延期) a unit may ask for or the center grant, in working days.
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// Supervision (督办) levels.
pub const SUPERVISION_LEVELS: RangeInclusive<i32> = 1..=3;

crate::code_enum! {
    /// Why a ticket stopped: an outcome at intake, at callback, or by the center.
    pub enum CloseReason {
        /// Answered at first contact (直接答复, 联系).
        Answered = "answered",
        Dismissed = "dismissed",
        Merged = "merged",
        ClosedByCenter = "closed_by_center",
        /// The citizen could not be reached in the allowed callback attempts.
        Unreachable = "unreachable",
        Satisfied = "satisfied",
        BasicallySatisfied = "basically_satisfied",
        Unsatisfied = "unsatisfied",
        /// The reply was approved on a ticket that asked for no callback (无需回访).
        NoCallback = "no_callback",
        /// An assisting unit's child ticket, closed with its parent.
        ClosedWithParent = "closed_with_parent",
    }
}

impl From<Satisfaction> for CloseReason {
    fn from(s: Satisfaction) -> Self {
        match s {
            Satisfaction::Satisfied => Self::Satisfied,
            Satisfaction::BasicallySatisfied => Self::BasicallySatisfied,
            Satisfaction::Unsatisfied => Self::Unsatisfied,
        }
    }
}

/// The deadlines one dispatch sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DispatchDeadlines {
    /// The receiving unit's accept deadline (签收): every dispatch restarts it.
    pub accept: DateTime<Utc>,
    /// Set by the first dispatch only: a re-dispatch inside the unit keeps the unit's deadline.
    pub first: Option<FirstDeadlines>,
}

/// The response (响应) and finish (办结) deadlines, which run from the first dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirstDeadlines {
    pub response: DateTime<Utc>,
    pub finish: DateTime<Utc>,
}

/// The deadlines a dispatch at `now` sets; `finish_running` says a finish clock already runs.
#[must_use]
pub fn dispatch_deadlines(
    clocks: &Clocks,
    calendar: &Calendar,
    now: DateTime<Utc>,
    finish_running: bool,
) -> DispatchDeadlines {
    DispatchDeadlines {
        accept: clocks.accept.due(calendar, now).at,
        first: (!finish_running).then(|| FirstDeadlines {
            response: clocks.response.due(calendar, now).at,
            finish: clocks.finish.due(calendar, now).at,
        }),
    }
}

/// A granted extension moves the finish deadline on from where it stood, or from `now` when
/// none ran.
#[must_use]
pub fn extended_finish(
    calendar: &Calendar,
    finish_due: Option<DateTime<Utc>>,
    days: u32,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    calendar.add_working_days(finish_due.unwrap_or(now), days).at
}

/// What the citizen's callback (回访) found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackResult {
    Reached {
        satisfaction: Satisfaction,
        /// The dissatisfaction is the unit's fault: the ticket is handled again (重办).
        unit_at_fault: bool,
    },
    Unreachable,
}

/// Where a callback leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterCallback {
    Close(CloseReason),
    /// Back to the unit with a fresh finish clock.
    Reopen,
    /// Not reached yet; the ticket waits for another attempt.
    CallAgain,
}

/// The outcome of a callback that was attempt number `attempts` of at most `max_attempts`.
#[must_use]
pub fn after_callback(result: CallbackResult, attempts: i32, max_attempts: i32) -> AfterCallback {
    match result {
        CallbackResult::Reached {
            satisfaction: Satisfaction::Unsatisfied,
            unit_at_fault: true,
        } => AfterCallback::Reopen,
        CallbackResult::Reached { satisfaction, .. } => AfterCallback::Close(satisfaction.into()),
        CallbackResult::Unreachable if attempts >= max_attempts => {
            AfterCallback::Close(CloseReason::Unreachable)
        }
        CallbackResult::Unreachable => AfterCallback::CallAgain,
    }
}

/// An assisting unit's child ticket still open when its parent closes is closed with it.
#[must_use]
pub const fn follows_parent_close(child: TicketState) -> bool {
    !child.is_finished()
}

/// A ticket folds into a master (并单) that is another top-level ticket still alive.
#[must_use]
pub fn may_merge_into(master: TicketState, master_is_child: bool, same_ticket: bool) -> bool {
    !same_ticket
        && !master_is_child
        && !matches!(master, TicketState::Merged | TicketState::Dismissed | TicketState::Archived)
}

/// A merged ticket takes its master's reply once that reply is final.
#[must_use]
pub const fn master_reply_is_final(master: TicketState) -> bool {
    matches!(
        master,
        TicketState::AwaitingCallback
            | TicketState::Closed
            | TicketState::Answered
            | TicketState::Liaised
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::sla::Limit;

    fn calendar() -> Calendar {
        let offset = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        Calendar::new([], [2026], crate::calendar::WorkingHours::default(), offset)
    }

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).single().unwrap_or_default()
    }

    const CLOCKS: Clocks = Clocks {
        accept: Limit::hours(2),
        response: Limit::hours(24),
        finish: Limit::working_days(5),
    };

    #[test]
    fn the_first_dispatch_starts_every_clock_and_a_redispatch_only_accept() {
        let now = at(7, 2);
        let first = dispatch_deadlines(&CLOCKS, &calendar(), now, false);
        assert_eq!(first.accept, at(7, 4));
        let Some(started) = first.first else { panic!("a first dispatch sets every clock") };
        assert_eq!(started.response, at(8, 2));
        assert!(started.finish > started.response);
        let again = dispatch_deadlines(&CLOCKS, &calendar(), now, true);
        assert_eq!(again.accept, first.accept);
        assert_eq!(again.first, None);
    }

    #[test]
    fn an_extension_runs_on_from_the_old_deadline_not_from_now() {
        let cal = calendar();
        let old = at(9, 2);
        let extended = extended_finish(&cal, Some(old), 3, at(7, 2));
        assert_eq!(extended, cal.add_working_days(old, 3).at);
        assert_eq!(extended_finish(&cal, None, 3, at(7, 2)), cal.add_working_days(at(7, 2), 3).at);
    }

    #[test]
    fn callbacks_close_reopen_or_call_again() {
        use AfterCallback::{CallAgain, Close, Reopen};
        let reached =
            |satisfaction, unit_at_fault| CallbackResult::Reached { satisfaction, unit_at_fault };
        assert_eq!(after_callback(reached(Satisfaction::Unsatisfied, true), 1, 3), Reopen);
        assert_eq!(
            after_callback(reached(Satisfaction::Unsatisfied, false), 1, 3),
            Close(CloseReason::Unsatisfied)
        );
        assert_eq!(
            after_callback(reached(Satisfaction::Satisfied, true), 1, 3),
            Close(CloseReason::Satisfied)
        );
        assert_eq!(after_callback(CallbackResult::Unreachable, 2, 3), CallAgain);
        assert_eq!(
            after_callback(CallbackResult::Unreachable, 3, 3),
            Close(CloseReason::Unreachable)
        );
    }

    #[test]
    fn only_open_children_follow_and_only_live_masters_take_merges() {
        assert!(follows_parent_close(TicketState::InProgress));
        assert!(!follows_parent_close(TicketState::Closed));
        assert!(may_merge_into(TicketState::InProgress, false, false));
        assert!(!may_merge_into(TicketState::InProgress, false, true));
        assert!(!may_merge_into(TicketState::InProgress, true, false));
        assert!(!may_merge_into(TicketState::Dismissed, false, false));
        assert!(master_reply_is_final(TicketState::Closed));
        assert!(!master_reply_is_final(TicketState::ReplySubmitted));
    }
}
