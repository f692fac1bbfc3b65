//! Federation between hotline instances: how a ticket and its copy in another instance keep
//! each other informed.
//!
//! The upstream instance (the city) dispatches to an org that works elsewhere (a district's
//! own sub-center). The downstream instance (the district) keeps a copy, handles it in its own
//! tree, and reports back through the upstream's API as that org would: it accepts, replies or
//! returns. The upstream's later moves (urging, a rejected result) reach the copy by webhook.

use crate::ticket::Action;

crate::code_enum! {
    /// Where a report to the peer above stands.
    pub enum ReportStatus {
        /// Waiting for its (next) attempt: reports are never given up.
        Pending = "pending",
        Done = "done",
        /// The peer answered 409: not possible in its ticket's state.
        Skipped = "skipped",
    }
}

/// What the downstream copy does when an event about the upstream ticket arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Downstream {
    /// The ticket was dispatched to us: make (or keep) a local copy.
    Copy,
    /// Take this action on the copy.
    Act(Action),
    /// Nothing to do but note it on the copy's timeline.
    Note,
}

/// How the downstream copy follows an upstream event (`ticket.<action>`).
#[must_use]
pub fn downstream(topic: &str) -> Downstream {
    match topic.strip_prefix("ticket.").and_then(Action::parse) {
        Some(Action::Dispatch) => Downstream::Copy,
        Some(Action::Urge) => Downstream::Act(Action::Urge),
        Some(Action::Supervise) => Downstream::Act(Action::Supervise),
        // The result was not accepted upstream: the copy is handled again.
        Some(Action::SendBack | Action::Reopen) => Downstream::Act(Action::Reopen),
        _ => Downstream::Note,
    }
}

/// What the upstream ticket is told when the downstream copy moves: actions taken there, in
/// order, as the org the ticket was dispatched to.
#[must_use]
pub fn upstream(topic: &str) -> &'static [Action] {
    match topic.strip_prefix("ticket.").and_then(Action::parse) {
        // The district took it on: dispatched within its tree.
        Some(Action::Dispatch | Action::Assign) => &[Action::Accept],
        // The citizen was reached: the upstream's first-contact clock stops too.
        Some(Action::ContactCitizen) => &[Action::Accept, Action::ContactCitizen],
        // The district granted its unit more time: it asks the city for the same.
        Some(Action::ApproveExtension) => &[Action::RequestExtension],
        // A result the district stands behind: answered at its center or a reply it approved.
        Some(Action::Answer | Action::ApproveReply) => &[Action::Accept, Action::Reply],
        // Not the district's to handle.
        Some(Action::Dismiss | Action::Transfer) => &[Action::Return],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_moves_reach_the_copy() {
        assert_eq!(downstream("ticket.dispatch"), Downstream::Copy);
        assert_eq!(downstream("ticket.urge"), Downstream::Act(Action::Urge));
        assert_eq!(downstream("ticket.send_back"), Downstream::Act(Action::Reopen));
        assert_eq!(downstream("ticket.close"), Downstream::Note);
        assert_eq!(downstream("ticket.created"), Downstream::Note);
    }

    #[test]
    fn the_copys_results_are_reported_upstream() {
        assert_eq!(upstream("ticket.dispatch"), &[Action::Accept]);
        assert_eq!(upstream("ticket.approve_reply"), &[Action::Accept, Action::Reply]);
        assert_eq!(upstream("ticket.dismiss"), &[Action::Return]);
        assert_eq!(upstream("ticket.contact_citizen"), &[Action::Accept, Action::ContactCitizen]);
        assert_eq!(upstream("ticket.approve_extension"), &[Action::RequestExtension]);
        assert!(upstream("ticket.reply").is_empty(), "a street's reply waits for review");
        assert!(upstream("ticket.response_overdue").is_empty());
    }
}
