//! The ticket state machine as data: which action moves a ticket from which states to where,
//! which permission it needs, and who may take it. `check` is the one gate used both to execute
//! an action and to list the actions a caller may take.

use chrono::{DateTime, Utc};

use super::{Action, TicketState};
use crate::conflict::Conflict;
use crate::ids::OrgId;
use crate::role::{Permission, Principal, Scope};

use TicketState as S;

/// Who may take an action, beyond holding its permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorRule {
    /// Center staff holding the permission city-wide.
    Center,
    /// The unit that currently holds the ticket.
    Holder,
    /// Whoever sent the ticket to its holder: the center (permission city-wide), or the unit that
    /// re-dispatched it (its own handlers).
    Dispatcher,
}

/// Where an action leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    To(TicketState),
    /// The state does not change (urge, contact, excerpt).
    Stay,
    /// The action's input decides (callback, approve_return).
    Decided,
}

#[derive(Clone, Copy, Debug)]
pub struct Transition {
    pub action: Action,
    pub from: &'static [TicketState],
    pub next: Next,
    pub permission: Permission,
    pub actor: ActorRule,
    /// Child tickets (assisting units) only take the unit's own actions.
    pub on_children: bool,
}

const fn t(
    action: Action,
    from: &'static [TicketState],
    next: Next,
    permission: Permission,
    actor: ActorRule,
    on_children: bool,
) -> Transition {
    Transition { action, from, next, permission, actor, on_children }
}

const INTAKE: &[TicketState] = &[S::Draft, S::Registered];

use ActorRule::{Center, Dispatcher, Holder};
use Next::{Decided, Stay, To};
use Permission as P;

/// The lifecycle. Read it as: action, from states, to, permission, who, allowed on children.
pub const TRANSITIONS: &[Transition] = &[
    t(Action::Register, &[S::Draft], To(S::Registered), P::TicketCreate, Center, false),
    t(Action::Answer, INTAKE, To(S::Answered), P::TicketIntake, Center, false),
    t(Action::Liaise, INTAKE, To(S::Liaised), P::TicketIntake, Center, false),
    t(Action::Dismiss, INTAKE, To(S::Dismissed), P::TicketIntake, Center, true),
    t(
        Action::Excerpt,
        &[
            S::Draft,
            S::Registered,
            S::Dispatched,
            S::InProgress,
            S::ReplySubmitted,
            S::AwaitingCallback,
        ],
        Stay,
        P::TicketIntake,
        Center,
        false,
    ),
    t(Action::Transfer, INTAKE, To(S::Dispatched), P::TicketIntake, Center, false),
    t(Action::Emergency, INTAKE, To(S::Dispatched), P::TicketIntake, Center, false),
    t(Action::Assign, INTAKE, To(S::Dispatched), P::TicketDispatch, Center, false),
    t(Action::Dispatch, &[S::Registered], To(S::Dispatched), P::TicketDispatch, Center, true),
    t(
        Action::Dispatch,
        &[S::Dispatched, S::InProgress],
        To(S::Dispatched),
        P::TicketHandle,
        Holder,
        false,
    ),
    t(Action::Accept, &[S::Dispatched], To(S::InProgress), P::TicketHandle, Holder, true),
    t(
        Action::Return,
        &[S::Dispatched, S::InProgress],
        To(S::ReturnRequested),
        P::TicketHandle,
        Holder,
        true,
    ),
    t(Action::ApproveReturn, &[S::ReturnRequested], Decided, P::TicketDecide, Dispatcher, true),
    t(
        Action::OverruleReturn,
        &[S::ReturnRequested],
        To(S::Dispatched),
        P::TicketDecide,
        Dispatcher,
        true,
    ),
    t(
        Action::RequestExtension,
        &[S::InProgress],
        To(S::ExtensionRequested),
        P::TicketHandle,
        Holder,
        true,
    ),
    t(
        Action::ApproveExtension,
        &[S::ExtensionRequested],
        To(S::InProgress),
        P::TicketDecide,
        Center,
        true,
    ),
    t(
        Action::DenyExtension,
        &[S::ExtensionRequested],
        To(S::InProgress),
        P::TicketDecide,
        Center,
        true,
    ),
    t(
        Action::ContactCitizen,
        &[S::InProgress, S::ExtensionRequested],
        Stay,
        P::TicketHandle,
        Holder,
        true,
    ),
    t(Action::Reply, &[S::InProgress], To(S::ReplySubmitted), P::TicketHandle, Holder, true),
    // A reply goes up the way the ticket came down: the unit that re-dispatched reviews its
    // sub-unit's reply (approve up or send back) before the center sees it.
    t(Action::ApproveReply, &[S::ReplySubmitted], Decided, P::TicketReview, Dispatcher, false),
    t(
        Action::SendBack,
        &[S::ReplySubmitted],
        To(S::InProgress),
        P::TicketReview,
        Dispatcher,
        false,
    ),
    t(
        Action::Urge,
        &[S::Dispatched, S::InProgress, S::ExtensionRequested],
        Stay,
        P::TicketSupervise,
        Center,
        true,
    ),
    t(
        Action::Supervise,
        &[S::Dispatched, S::InProgress, S::ExtensionRequested, S::ReturnRequested],
        Stay,
        P::TicketSupervise,
        Center,
        false,
    ),
    // A leader may instruct on any appeal that was taken in and still stands on its own: on
    // one with a unit, the unit is told; on a finished one, it is a word for the record.
    t(
        Action::Instruct,
        &[
            S::Registered,
            S::Dispatched,
            S::InProgress,
            S::ReturnRequested,
            S::ExtensionRequested,
            S::ReplySubmitted,
            S::AwaitingCallback,
            S::Closed,
            S::Answered,
            S::Liaised,
            S::Dismissed,
        ],
        Stay,
        P::TicketInstruct,
        Center,
        false,
    ),
    t(Action::Callback, &[S::AwaitingCallback], Decided, P::TicketCallback, Center, false),
    t(
        Action::Reopen,
        &[S::AwaitingCallback, S::Closed],
        To(S::InProgress),
        P::TicketReview,
        Center,
        false,
    ),
    t(
        Action::Merge,
        &[S::Draft, S::Registered, S::Dispatched],
        To(S::Merged),
        P::TicketDispatch,
        Center,
        false,
    ),
    // The agent who takes a repeat call folds it into the open ticket at once (重复件), before
    // anyone dispatches it.
    t(Action::Merge, INTAKE, To(S::Merged), P::TicketIntake, Center, false),
    t(Action::Close, &[S::AwaitingCallback], To(S::Closed), P::TicketReview, Center, false),
    t(
        Action::Archive,
        &[S::Closed, S::Answered, S::Liaised, S::Dismissed, S::Merged],
        To(S::Archived),
        P::TicketReview,
        Center,
        false,
    ),
];

/// What the gate needs to know about a ticket.
#[derive(Clone, Copy, Debug)]
pub struct TicketFacts {
    pub state: TicketState,
    /// The unit holding it (待签收/办理中 …).
    pub holder: Option<OrgId>,
    /// The unit that re-dispatched it to the holder; `None` when the center dispatched it.
    pub dispatched_by_unit: Option<OrgId>,
    pub is_child: bool,
    /// Children (assisting units) that have not replied yet.
    pub open_children: usize,
    pub finish_due: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// Why an action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not possible in the ticket's state (409 `invalid_transition`).
    InvalidTransition,
    /// Possible, but not for this caller (403).
    Forbidden,
    /// Possible and allowed, but a rule stands in the way (409 with this code).
    Guard(Conflict),
}

fn actor_may(
    rule: ActorRule,
    permission: Permission,
    facts: &TicketFacts,
    who: &Principal,
) -> bool {
    let scope = who.scope_for(permission);
    match rule {
        ActorRule::Center => scope == Some(Scope::City),
        ActorRule::Holder => scope.is_some() && facts.holder == Some(who.org_id),
        ActorRule::Dispatcher => match facts.dispatched_by_unit {
            None => scope == Some(Scope::City),
            Some(unit) => who.org_id == unit && who.scope_for(Permission::TicketHandle).is_some(),
        },
    }
}

fn guard(action: Action, facts: &TicketFacts) -> Result<(), Refusal> {
    match action {
        Action::Reply if facts.open_children > 0 => {
            Err(Refusal::Guard(Conflict::ChildrenNotReplied))
        }
        Action::RequestExtension if facts.finish_due.is_some_and(|due| facts.now >= due) => {
            Err(Refusal::Guard(Conflict::ExtensionTooLate))
        }
        _ => Ok(()),
    }
}

/// May `who` take `action` on a ticket described by `facts`?
pub fn check(
    action: Action,
    facts: &TicketFacts,
    who: &Principal,
) -> Result<&'static Transition, Refusal> {
    let mut candidates = TRANSITIONS
        .iter()
        .filter(|t| {
            t.action == action
                && t.from.contains(&facts.state)
                && (t.on_children || !facts.is_child)
        })
        .peekable();
    if candidates.peek().is_none() {
        return Err(Refusal::InvalidTransition);
    }
    let transition = candidates
        .find(|t| actor_may(t.actor, t.permission, facts, who))
        .ok_or(Refusal::Forbidden)?;
    guard(action, facts)?;
    Ok(transition)
}

/// Every action `who` may take now, for the ticket view and the console's buttons.
#[must_use]
pub fn allowed_actions(facts: &TicketFacts, who: &Principal) -> Vec<Action> {
    Action::ALL.iter().copied().filter(|a| check(*a, facts, who).is_ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::org::OrgPath;
    use crate::role::{Actor, Role};

    fn who(role: Role, org: OrgId) -> Principal {
        Principal {
            actor: Actor::User(UserId::from_uuid(uuid::Uuid::now_v7())),
            name: "u".into(),
            org_id: org,
            org_path: OrgPath::root(org),
            roles: vec![role],
        }
    }

    fn facts(state: TicketState, holder: Option<OrgId>) -> TicketFacts {
        TicketFacts {
            state,
            holder,
            dispatched_by_unit: None,
            is_child: false,
            open_children: 0,
            finish_due: None,
            now: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn every_action_has_a_row() {
        for action in Action::ALL {
            assert!(TRANSITIONS.iter().any(|t| t.action == *action), "{action}");
        }
    }

    #[test]
    fn only_the_holding_unit_accepts() {
        let (unit, other, center) = (
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
        );
        let f = facts(TicketState::Dispatched, Some(unit));
        assert!(check(Action::Accept, &f, &who(Role::UnitHandler, unit)).is_ok());
        assert_eq!(
            check(Action::Accept, &f, &who(Role::UnitHandler, other)).err(),
            Some(Refusal::Forbidden)
        );
        assert_eq!(
            check(Action::Accept, &f, &who(Role::Dispatcher, center)).err(),
            Some(Refusal::Forbidden)
        );
        let done = facts(TicketState::InProgress, Some(unit));
        assert_eq!(
            check(Action::Accept, &done, &who(Role::UnitHandler, unit)).err(),
            Some(Refusal::InvalidTransition)
        );
    }

    #[test]
    fn returns_are_ruled_on_by_whoever_dispatched() {
        let (district, street, center) = (
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
        );
        let mut f = facts(TicketState::ReturnRequested, Some(street));
        assert!(check(Action::ApproveReturn, &f, &who(Role::Dispatcher, center)).is_ok());
        assert!(check(Action::ApproveReturn, &f, &who(Role::UnitHandler, district)).is_err());
        f.dispatched_by_unit = Some(district);
        assert!(check(Action::ApproveReturn, &f, &who(Role::UnitHandler, district)).is_ok());
        assert!(check(Action::OverruleReturn, &f, &who(Role::Dispatcher, center)).is_err());
    }

    #[test]
    fn a_reply_is_reviewed_by_whoever_dispatched_first() {
        let (district, street, center) = (
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
            OrgId::from_uuid(uuid::Uuid::now_v7()),
        );
        let mut f = facts(TicketState::ReplySubmitted, Some(street));
        f.dispatched_by_unit = Some(district);
        for action in [Action::ApproveReply, Action::SendBack] {
            assert!(check(action, &f, &who(Role::UnitHandler, district)).is_ok(), "{action}");
            assert_eq!(
                check(action, &f, &who(Role::Supervisor, center)).err(),
                Some(Refusal::Forbidden),
                "the center waits for the district: {action}"
            );
            assert!(check(action, &f, &who(Role::UnitHandler, street)).is_err(), "{action}");
        }
        f.dispatched_by_unit = None;
        assert!(check(Action::ApproveReply, &f, &who(Role::Supervisor, center)).is_ok());
        assert!(check(Action::ApproveReply, &f, &who(Role::UnitHandler, district)).is_err());
    }

    #[test]
    fn guards_name_their_rule() {
        let unit = OrgId::from_uuid(uuid::Uuid::now_v7());
        let mut f = facts(TicketState::InProgress, Some(unit));
        f.open_children = 1;
        assert_eq!(
            check(Action::Reply, &f, &who(Role::UnitHandler, unit)).err(),
            Some(Refusal::Guard(Conflict::ChildrenNotReplied))
        );
        f.finish_due = Some(f.now);
        assert_eq!(
            check(Action::RequestExtension, &f, &who(Role::UnitHandler, unit)).err(),
            Some(Refusal::Guard(Conflict::ExtensionTooLate))
        );
    }

    #[test]
    fn children_take_only_unit_actions() {
        let unit = OrgId::from_uuid(uuid::Uuid::now_v7());
        let mut f = facts(TicketState::ReplySubmitted, Some(unit));
        f.is_child = true;
        assert_eq!(
            check(
                Action::ApproveReply,
                &f,
                &who(Role::Supervisor, OrgId::from_uuid(uuid::Uuid::now_v7()))
            )
            .err(),
            Some(Refusal::InvalidTransition)
        );
    }

    #[test]
    fn allowed_actions_follow_role_and_state() {
        let center = OrgId::from_uuid(uuid::Uuid::now_v7());
        let f = facts(TicketState::Registered, None);
        let agent = allowed_actions(&f, &who(Role::Agent, center));
        assert!(agent.contains(&Action::Answer) && agent.contains(&Action::Transfer));
        assert!(!agent.contains(&Action::Dispatch));
        assert!(agent.contains(&Action::Merge), "a repeat call is folded in at intake");
        let dispatched = TicketFacts { state: S::Dispatched, ..f };
        assert!(!allowed_actions(&dispatched, &who(Role::Agent, center)).contains(&Action::Merge));
        let dispatcher = allowed_actions(&f, &who(Role::Dispatcher, center));
        assert!(dispatcher.contains(&Action::Dispatch) && dispatcher.contains(&Action::Merge));
        assert!(allowed_actions(&f, &who(Role::Auditor, center)).is_empty());
        assert!(allowed_actions(&f, &who(Role::Admin, center)).is_empty());
    }
}
