//! The numbers units are ranked by (三率 and the other indicators of practice §C), as pure
//! rules: what one ticket contributes to each org's counts ([`facts`]), and the rates and
//! scores computed from summed counts ([`Indicators`], [`Scheme`]).
//!
//! A ticket's contribution is recomputed from the ticket as it stands and its timeline, never
//! added up event by event: a late, repeated or out-of-order event then changes nothing, and
//! the rollups stay equal to a recount from the tickets.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::calendar::Calendar;
use crate::ticket::{
    Action, CallbackRequirement, Channel, HandlingType, Satisfaction, TicketState,
};

crate::code_enum! {
    /// The counts kept per day × org × category × channel. Each is a number of tickets (or,
    /// for `finish_minutes`, working minutes), so counts add up over days and sub-units.
    pub enum Measure {
        /// Appeals the center took in (top-level tickets past their draft); counted for the
        /// city center.
        Intake = "intake",
        /// Appeals intake answered on the spot (直接答复).
        AnsweredDirectly = "answered_directly",
        /// Tickets this unit is assessed on: it holds or finished them (派单量).
        Assigned = "assigned",
        /// Dispatches this unit received, its returned ones included.
        Received = "received",
        /// Acceptance was due: accepted, or its deadline passed.
        AcceptDue = "accept_due",
        AcceptedOnTime = "accepted_on_time",
        /// The unit contacted the citizen within the response limit (响应).
        RespondedOnTime = "responded_on_time",
        /// The center approved the unit's reply (办结).
        Finished = "finished",
        /// Finishing was due: finished, or the (extended) deadline passed.
        FinishDue = "finish_due",
        FinishedOnTime = "finished_on_time",
        /// Working minutes from dispatch to the finishing reply, over finished tickets.
        FinishMinutes = "finish_minutes",
        Extended = "extended",
        Urged = "urged",
        Supervised = "supervised",
        Reopened = "reopened",
        /// Finished with no return, no send-back and no reopening (一次办结).
        FirstTime = "first_time",
        ReturnRequested = "return_requested",
        ReturnApproved = "return_approved",
        ReturnOverruled = "return_overruled",
        SentBack = "sent_back",
        CallbackDue = "callback_due",
        /// Callbacks that reached the citizen (有效回访).
        CallbackDone = "callback_done",
        Satisfied = "satisfied",
        BasicallySatisfied = "basically_satisfied",
        Unsatisfied = "unsatisfied",
        /// The citizen said whether the matter was resolved.
        ResolutionAsked = "resolution_asked",
        Resolved = "resolved",
    }
}

impl Measure {
    /// The column holding it in the fact and rollup tables.
    #[must_use]
    pub fn column(self) -> String {
        format!("m_{}", self.as_str())
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }
}

/// One value per [`Measure`], in `Measure::ALL` order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Measures(Vec<i64>);

impl Measures {
    #[must_use]
    pub fn zero() -> Self {
        Self(vec![0; Measure::ALL.len()])
    }

    /// From values in `Measure::ALL` order (as the store reads them); missing ones are zero.
    #[must_use]
    pub fn from_values(mut values: Vec<i64>) -> Self {
        values.resize(Measure::ALL.len(), 0);
        Self(values)
    }

    #[must_use]
    pub fn get(&self, measure: Measure) -> i64 {
        self.0.get(measure.index()).copied().unwrap_or(0)
    }

    pub fn set(&mut self, measure: Measure, value: i64) {
        if let Some(slot) = self.0.get_mut(measure.index()) {
            *slot = value;
        }
    }

    fn count(&mut self, measure: Measure, yes: bool) {
        if yes {
            self.set(measure, 1);
        }
    }

    pub fn add(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }

    pub fn subtract(&mut self, other: &Self) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a -= b;
        }
    }

    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }

    #[must_use]
    pub fn values(&self) -> &[i64] {
        &self.0
    }
}

/// Where a fact is counted: the rollup's key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FactKey {
    pub org_id: Uuid,
    /// The local day the org got the ticket (dispatch), or the day it came in (intake).
    pub day: NaiveDate,
    pub category_id: Option<Uuid>,
    pub channel: Channel,
}

/// What one ticket counts for one org.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub key: FactKey,
    pub measures: Measures,
}

/// The parts of a ticket its facts depend on.
#[derive(Clone, Debug)]
pub struct StatTicket {
    pub state: TicketState,
    /// The unit holding it now.
    pub holder_org_id: Option<Uuid>,
    pub is_child: bool,
    pub channel: Channel,
    pub category_id: Option<Uuid>,
    pub handling_type: Option<HandlingType>,
    pub callback_requirement: CallbackRequirement,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accept_overdue: bool,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub response_overdue: bool,
    pub replied_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub finish_due: Option<DateTime<Utc>>,
    pub original_finish_due: Option<DateTime<Utc>>,
    pub urged_count: i32,
    pub supervision_level: i32,
    pub reopened_count: i32,
    pub satisfaction: Option<Satisfaction>,
    pub resolved: Option<bool>,
    /// Units whose appeal against its inclusion (不纳入考核) the center approved: it counts for
    /// none of their figures.
    pub excluded: Vec<Uuid>,
}

/// A timeline entry: the action's code, the state it left and the org it concerned.
#[derive(Clone, Debug)]
pub struct StatEvent {
    pub at: DateTime<Utc>,
    pub action: String,
    pub from_state: Option<TicketState>,
    pub org_id: Option<Uuid>,
}

/// Per-unit counts on the way through a timeline.
#[derive(Default)]
struct UnitTrail {
    dispatched_at: Option<DateTime<Utc>>,
    returns: i64,
    approved: i64,
    overruled: i64,
    sent_back: i64,
}

/// What `ticket` counts, per org. The unit assessed on a ticket (its handler) is the last unit
/// it was dispatched to; a unit that passed it down to a sub-unit is assessed through that
/// sub-unit (its figures with sub-units), so a subtree counts each ticket once. A unit that
/// returned it keeps its return figures. Intake figures go to `center`. Merged tickets count
/// at intake only: their master carries the work. Assisting units' child tickets count for
/// nobody yet (their parent does).
#[must_use]
pub fn facts(
    ticket: &StatTicket,
    events: &[StatEvent],
    calendar: &Calendar,
    center: Uuid,
) -> Vec<Fact> {
    if ticket.is_child || ticket.state == TicketState::Draft {
        return Vec::new();
    }
    let key = |org_id: Uuid, at: DateTime<Utc>| FactKey {
        org_id,
        day: calendar.local_date(at),
        category_id: ticket.category_id,
        channel: ticket.channel,
    };
    let mut out = Vec::new();
    let mut intake = Measures::zero();
    intake.set(Measure::Intake, 1);
    intake.count(Measure::AnsweredDirectly, ticket.handling_type == Some(HandlingType::Answer));
    out.push(Fact { key: key(center, ticket.created_at), measures: intake });
    if ticket.state == TicketState::Merged {
        return out;
    }

    let mut trails: BTreeMap<Uuid, UnitTrail> = BTreeMap::new();
    // Who holds it now: the unit the center sent it to, then each sub-unit it was passed to.
    // An approved return hands it back to the one before (or the center, when none is left).
    let mut chain: Vec<Uuid> = Vec::new();
    for event in events {
        let (Some(action), Some(org)) = (Action::parse(&event.action), event.org_id) else {
            continue;
        };
        let trail = trails.entry(org).or_default();
        match action {
            Action::Transfer | Action::Assign | Action::Emergency | Action::Dispatch => {
                trail.dispatched_at = Some(event.at);
                if matches!(event.from_state, Some(TicketState::Draft | TicketState::Registered)) {
                    chain.clear();
                }
                chain.retain(|o| *o != org);
                chain.push(org);
            }
            Action::Return => trail.returns += 1,
            Action::ApproveReturn => {
                trail.approved += 1;
                chain.retain(|o| *o != org);
            }
            Action::OverruleReturn => trail.overruled += 1,
            Action::SendBack => trail.sent_back += 1,
            Action::Register
            | Action::Answer
            | Action::Liaise
            | Action::Excerpt
            | Action::Dismiss
            | Action::Accept
            | Action::RequestExtension
            | Action::ApproveExtension
            | Action::DenyExtension
            | Action::ContactCitizen
            | Action::Reply
            | Action::ApproveReply
            | Action::Urge
            | Action::Supervise
            | Action::Instruct
            | Action::Callback
            | Action::Reopen
            | Action::Merge
            | Action::Close
            | Action::Archive => {}
        }
    }
    let handler = chain.last().copied();

    for (org, trail) in &trails {
        let Some(dispatched_at) = trail.dispatched_at else { continue };
        if ticket.excluded.contains(org) {
            continue;
        }
        let mut m = Measures::zero();
        m.set(Measure::Received, 1);
        m.set(Measure::ReturnRequested, trail.returns);
        m.set(Measure::ReturnApproved, trail.approved);
        m.set(Measure::ReturnOverruled, trail.overruled);
        m.set(Measure::SentBack, trail.sent_back);
        if handler == Some(*org) {
            handled(ticket, trail, dispatched_at, calendar, &mut m);
        }
        out.push(Fact { key: key(*org, dispatched_at), measures: m });
    }
    out
}

/// The handler's own counts.
fn handled(
    ticket: &StatTicket,
    trail: &UnitTrail,
    dispatched_at: DateTime<Utc>,
    calendar: &Calendar,
    m: &mut Measures,
) {
    use TicketState as S;
    let finished = matches!(ticket.state, S::AwaitingCallback | S::Closed | S::Archived);
    m.set(Measure::Assigned, 1);
    let accepted = ticket.accepted_at.is_some() || finished;
    m.count(Measure::AcceptDue, accepted || ticket.accept_overdue);
    m.count(Measure::AcceptedOnTime, accepted && !ticket.accept_overdue);
    m.count(
        Measure::RespondedOnTime,
        ticket.first_contact_at.is_some() && !ticket.response_overdue,
    );
    m.count(Measure::Finished, finished);
    m.count(Measure::FinishDue, finished || ticket.overdue);
    m.count(Measure::FinishedOnTime, finished && !ticket.overdue);
    if finished && let Some(replied) = ticket.replied_at {
        m.set(
            Measure::FinishMinutes,
            calendar.working_minutes_between(dispatched_at, replied).max(0),
        );
    }
    m.count(
        Measure::Extended,
        ticket.finish_due.is_some()
            && ticket.original_finish_due.is_some()
            && ticket.finish_due != ticket.original_finish_due,
    );
    m.count(Measure::Urged, ticket.urged_count > 0);
    m.count(Measure::Supervised, ticket.supervision_level > 0);
    m.count(Measure::Reopened, ticket.reopened_count > 0);
    m.count(
        Measure::FirstTime,
        finished && trail.returns == 0 && trail.sent_back == 0 && ticket.reopened_count == 0,
    );
    let callback = finished && ticket.callback_requirement != CallbackRequirement::NotRequired;
    m.count(Measure::CallbackDue, callback || ticket.satisfaction.is_some());
    m.count(Measure::CallbackDone, ticket.satisfaction.is_some());
    m.count(Measure::Satisfied, ticket.satisfaction == Some(Satisfaction::Satisfied));
    m.count(
        Measure::BasicallySatisfied,
        ticket.satisfaction == Some(Satisfaction::BasicallySatisfied),
    );
    m.count(Measure::Unsatisfied, ticket.satisfaction == Some(Satisfaction::Unsatisfied));
    m.count(Measure::ResolutionAsked, ticket.resolved.is_some());
    m.count(Measure::Resolved, ticket.resolved == Some(true));
}

crate::code_enum! {
    /// Where an appeal against a ticket's inclusion in a unit's assessment stands.
    pub enum AppealState {
        Pending = "pending",
        /// The ticket counts for none of the unit's figures.
        Approved = "approved",
        Rejected = "rejected",
    }
}

crate::code_enum! {
    /// Why a unit asks that a ticket not count in its assessment (不纳入考核).
    pub enum AppealReason {
        /// Not the unit's duty, and the center dispatched it anyway (非职责范围).
        BeyondDuty = "beyond_duty",
        /// The citizen's demand is beyond law or policy (诉求不合理).
        UnreasonableDemand = "unreasonable_demand",
        /// The same matter as a ticket already counted (重复诉求).
        Duplicate = "duplicate",
        /// Historical issues or policy limits no unit can resolve now (历史遗留).
        Historical = "historical",
        /// Disasters, weather and other force majeure (不可抗力).
        ForceMajeure = "force_majeure",
        Other = "other",
    }
}

/// Where one work order stands now, for the leaders' overview: its state, the unit holding
/// it, whether it is overdue and the citizen's rating. The overview's counts are sums of these
/// kept like the daily sums, so reading them costs the same at any number of tickets.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NowKey {
    pub state: TicketState,
    pub holder: Option<Uuid>,
    pub overdue: bool,
    pub satisfaction: Option<Satisfaction>,
}

impl NowKey {
    /// `None` for an assisting unit's child ticket: it is part of its parent.
    #[must_use]
    pub fn of(ticket: &StatTicket) -> Option<Self> {
        (!ticket.is_child).then_some(Self {
            state: ticket.state,
            holder: ticket.holder_org_id,
            overdue: ticket.overdue,
            satisfaction: ticket.satisfaction,
        })
    }

    /// The unit it is overdue with, if it is.
    #[must_use]
    pub fn overdue_with(&self) -> Option<Uuid> {
        self.holder.filter(|_| self.overdue && self.state.is_with_unit())
    }

    /// Open: with a unit or waiting at the center, past its draft and not finished.
    #[must_use]
    pub fn is_open(&self) -> bool {
        !self.state.is_finished() && self.state != TicketState::Draft
    }
}

/// The change of the now-counts when tickets move from `before` to `after`.
#[must_use]
pub fn now_delta(before: &[NowKey], after: &[NowKey]) -> Vec<(NowKey, i64)> {
    let mut sums: BTreeMap<NowKey, i64> = BTreeMap::new();
    for key in after {
        *sums.entry(key.clone()).or_default() += 1;
    }
    for key in before {
        *sums.entry(key.clone()).or_default() -= 1;
    }
    sums.into_iter().filter(|(_, n)| *n != 0).collect()
}

/// The change `before` → `after` of one ticket's facts, per key: what the rollups add.
#[must_use]
pub fn delta(before: &[Fact], after: &[Fact]) -> Vec<(FactKey, Measures)> {
    let mut sums: BTreeMap<FactKey, Measures> = BTreeMap::new();
    for fact in after {
        sums.entry(fact.key.clone()).or_insert_with(Measures::zero).add(&fact.measures);
    }
    for fact in before {
        sums.entry(fact.key.clone()).or_insert_with(Measures::zero).subtract(&fact.measures);
    }
    sums.into_iter().filter(|(_, m)| !m.is_zero()).collect()
}

/// How much 满意 and 基本满意 count towards the satisfaction rate (cities differ).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SatisfactionWeights {
    pub satisfied: f64,
    pub basically_satisfied: f64,
}

impl Default for SatisfactionWeights {
    fn default() -> Self {
        Self { satisfied: 1.0, basically_satisfied: 1.0 }
    }
}

/// The rates of practice §C, each `None` when nothing was due.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Indicators {
    /// 响应率: contacted within the response limit ÷ assigned.
    pub response_rate: Option<f64>,
    /// 及时签收率: accepted on time ÷ acceptance due.
    pub timely_accept_rate: Option<f64>,
    /// 按时办结率: finished within the (extended) limit ÷ finishing due.
    pub on_time_rate: Option<f64>,
    /// 办结率: finished ÷ assigned.
    pub finish_rate: Option<f64>,
    /// 解决率: resolved ÷ callbacks that asked.
    pub resolution_rate: Option<f64>,
    /// 满意率: weighted (满意, 基本满意) ÷ rated.
    pub satisfaction_rate: Option<f64>,
    /// 回访率: callbacks that reached the citizen ÷ callbacks due.
    pub callback_rate: Option<f64>,
    /// 重办率: reopened ÷ finished.
    pub reopen_rate: Option<f64>,
    /// 退单率: returns approved ÷ dispatches received.
    pub return_rate: Option<f64>,
    /// Returns overruled ÷ returns decided.
    pub return_overruled_rate: Option<f64>,
    /// 延期率: extended ÷ assigned.
    pub extension_rate: Option<f64>,
    /// 催办率: urged ÷ assigned.
    pub urge_rate: Option<f64>,
    /// 督办率: supervised ÷ assigned.
    pub supervision_rate: Option<f64>,
    /// 一次办结率: finished first time ÷ finished.
    pub first_time_rate: Option<f64>,
    /// 平均办结时长 in working days.
    pub average_finish_days: Option<f64>,
    /// 直接答复率: answered at intake ÷ appeals taken in.
    pub direct_answer_rate: Option<f64>,
}

#[expect(clippy::cast_precision_loss, reason = "ticket counts are far below 2^52")]
fn ratio(part: f64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part / whole as f64)
}

/// `part` of `whole` as a fraction, or `None` when there is no whole (nothing was due).
#[must_use]
#[expect(clippy::cast_precision_loss, reason = "ticket counts are far below 2^52")]
pub fn share(part: i64, whole: i64) -> Option<f64> {
    ratio(part as f64, whole)
}

impl Indicators {
    /// `working_day_minutes`: minutes in one working day, to turn minutes into days.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "ticket counts are far below 2^52")]
    pub fn of(m: &Measures, weights: SatisfactionWeights, working_day_minutes: i64) -> Self {
        let n = |measure| m.get(measure) as f64;
        use Measure as M;
        let rated = m.get(M::Satisfied) + m.get(M::BasicallySatisfied) + m.get(M::Unsatisfied);
        let satisfied = weights.satisfied * n(M::Satisfied)
            + weights.basically_satisfied * n(M::BasicallySatisfied);
        let decided = m.get(M::ReturnApproved) + m.get(M::ReturnOverruled);
        Self {
            response_rate: ratio(n(M::RespondedOnTime), m.get(M::Assigned)),
            timely_accept_rate: ratio(n(M::AcceptedOnTime), m.get(M::AcceptDue)),
            on_time_rate: ratio(n(M::FinishedOnTime), m.get(M::FinishDue)),
            finish_rate: ratio(n(M::Finished), m.get(M::Assigned)),
            resolution_rate: ratio(n(M::Resolved), m.get(M::ResolutionAsked)),
            satisfaction_rate: ratio(satisfied, rated),
            callback_rate: ratio(n(M::CallbackDone), m.get(M::CallbackDue)),
            reopen_rate: ratio(n(M::Reopened), m.get(M::Finished)),
            return_rate: ratio(n(M::ReturnApproved), m.get(M::Received)),
            return_overruled_rate: ratio(n(M::ReturnOverruled), decided),
            extension_rate: ratio(n(M::Extended), m.get(M::Assigned)),
            urge_rate: ratio(n(M::Urged), m.get(M::Assigned)),
            supervision_rate: ratio(n(M::Supervised), m.get(M::Assigned)),
            first_time_rate: ratio(n(M::FirstTime), m.get(M::Finished)),
            average_finish_days: ratio(n(M::FinishMinutes), m.get(M::Finished))
                .filter(|_| working_day_minutes > 0)
                .map(|minutes| minutes / working_day_minutes as f64),
            direct_answer_rate: ratio(n(M::AnsweredDirectly), m.get(M::Intake)),
        }
    }
}

/// How a unit's score is made: its rates weighted out of their sum on a 100-point scale, less
/// points per overdue and per reopened work order (扣分), plus the center's adjustments (加减分,
/// given with a reason). A rate with nothing due leaves the score (its weight goes to the
/// others); no rate at all leaves no score. The score never falls below 0.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Scheme {
    pub response: f64,
    pub resolution: f64,
    pub satisfaction: f64,
    pub on_time: f64,
    /// Points off per work order finished late or overdue now.
    pub overdue_deduction: f64,
    /// Points off per work order reopened.
    pub reopen_deduction: f64,
}

impl Default for Scheme {
    /// Beijing's 三率 with on-time finishing beside them, no automatic deductions; cities set
    /// their own.
    fn default() -> Self {
        Self {
            response: 20.0,
            resolution: 30.0,
            satisfaction: 30.0,
            on_time: 20.0,
            overdue_deduction: 0.0,
            reopen_deduction: 0.0,
        }
    }
}

impl Scheme {
    /// `adjustment`: the sum of the center's bonuses and deductions in the period.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "ticket counts are far below 2^52")]
    pub fn score(&self, i: &Indicators, m: &Measures, adjustment: f64) -> Option<f64> {
        let parts = [
            (self.response, i.response_rate),
            (self.resolution, i.resolution_rate),
            (self.satisfaction, i.satisfaction_rate),
            (self.on_time, i.on_time_rate),
        ];
        let (weighted, weights) = parts
            .iter()
            .filter_map(|(w, rate)| rate.map(|r| (w * r, *w)))
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        let late = m.get(Measure::FinishDue) - m.get(Measure::FinishedOnTime);
        let deducted = self.overdue_deduction * late as f64
            + self.reopen_deduction * m.get(Measure::Reopened) as f64;
        (weights > 0.0).then(|| (100.0 * weighted / weights - deducted + adjustment).max(0.0))
    }

    /// Whether the weights can make a score (none negative, not all zero, deductions ≥ 0).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        let weights = [self.response, self.resolution, self.satisfaction, self.on_time];
        weights.iter().all(|w| w.is_finite() && *w >= 0.0)
            && weights.iter().sum::<f64>() > 0.0
            && [self.overdue_deduction, self.reopen_deduction]
                .iter()
                .all(|d| d.is_finite() && *d >= 0.0)
    }
}

/// Ranks by score, best first (1-based, ties share a rank); no score, no rank.
#[must_use]
pub fn ranks(scores: &[Option<f64>]) -> Vec<Option<usize>> {
    scores
        .iter()
        .map(|s| s.map(|s| 1 + scores.iter().filter(|o| o.is_some_and(|o| o > s)).count()))
        .collect()
}

/// 红黑榜 of one group: the indices of its best `n` and its worst `n` scored units, best first
/// and worst first. A group of fewer than `2n` scored units is split in half, so no unit is on
/// both lists (and a lone unit on neither).
#[must_use]
pub fn red_and_black(ranks: &[Option<usize>], n: usize) -> (Vec<usize>, Vec<usize>) {
    let mut scored: Vec<(usize, usize)> =
        ranks.iter().enumerate().filter_map(|(i, r)| r.map(|r| (r, i))).collect();
    scored.sort_unstable();
    let k = n.min(scored.len() / 2);
    let red = scored.iter().take(k).map(|(_, i)| *i).collect();
    let black = scored.iter().rev().take(k).map(|(_, i)| *i).collect();
    (red, black)
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, NaiveTime, TimeZone as _};

    use super::*;
    use crate::calendar::WorkingHours;

    fn calendar() -> Calendar {
        Calendar::new(
            Vec::new(),
            Vec::new(),
            WorkingHours {
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            },
            FixedOffset::east_opt(8 * 3600).unwrap(),
        )
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 12, day, hour, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn ticket(state: TicketState) -> StatTicket {
        StatTicket {
            state,
            holder_org_id: None,
            is_child: false,
            channel: Channel::Phone,
            category_id: None,
            handling_type: Some(HandlingType::Assign),
            callback_requirement: CallbackRequirement::Required,
            created_at: at(7, 10),
            accepted_at: Some(at(7, 11)),
            accept_overdue: false,
            first_contact_at: Some(at(7, 12)),
            response_overdue: false,
            replied_at: Some(at(8, 12)),
            overdue: false,
            finish_due: None,
            original_finish_due: None,
            urged_count: 0,
            supervision_level: 0,
            reopened_count: 0,
            excluded: Vec::new(),
            satisfaction: Some(Satisfaction::Satisfied),
            resolved: Some(true),
        }
    }

    fn event(action: &str, org: Uuid, at: DateTime<Utc>) -> StatEvent {
        let from = match action {
            "assign" => Some(TicketState::Registered),
            _ => Some(TicketState::InProgress),
        };
        StatEvent { at, action: action.to_owned(), from_state: from, org_id: Some(org) }
    }

    const CENTER: Uuid = Uuid::from_u128(1);
    const A: Uuid = Uuid::from_u128(2);
    const B: Uuid = Uuid::from_u128(3);

    fn of(facts: &[Fact], org: Uuid) -> Measures {
        let mut sum = Measures::zero();
        for f in facts.iter().filter(|f| f.key.org_id == org) {
            sum.add(&f.measures);
        }
        sum
    }

    #[test]
    fn a_closed_ticket_counts_for_its_handler_on_the_day_it_was_dispatched() {
        let events = [event("assign", A, at(7, 10)), event("accept", A, at(7, 11))];
        let facts = facts(&ticket(TicketState::Closed), &events, &calendar(), CENTER);
        let a = of(&facts, A);
        assert_eq!(a.get(Measure::Assigned), 1);
        assert_eq!(a.get(Measure::FinishedOnTime), 1);
        assert_eq!(a.get(Measure::FirstTime), 1);
        // 10:00 on the 7th to 12:00 on the 8th: 7 + 3 working hours.
        assert_eq!(a.get(Measure::FinishMinutes), 600);
        let day = facts.iter().find(|f| f.key.org_id == A).unwrap().key.day;
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(of(&facts, CENTER).get(Measure::Intake), 1);
        assert_eq!(of(&facts, CENTER).get(Measure::Assigned), 0);
    }

    #[test]
    fn a_returned_ticket_leaves_the_return_with_the_unit_that_asked() {
        let events = [
            event("assign", A, at(7, 10)),
            event("return", A, at(7, 11)),
            event("approve_return", A, at(7, 12)),
            event("dispatch", B, at(7, 13)),
        ];
        let mut t = ticket(TicketState::InProgress);
        t.satisfaction = None;
        t.resolved = None;
        let facts = facts(&t, &events, &calendar(), CENTER);
        let (a, b) = (of(&facts, A), of(&facts, B));
        assert_eq!((a.get(Measure::Received), a.get(Measure::ReturnApproved)), (1, 1));
        assert_eq!(a.get(Measure::Assigned), 0);
        assert_eq!((b.get(Measure::Received), b.get(Measure::Assigned)), (1, 1));
        assert_eq!(b.get(Measure::Finished), 0);
    }

    #[test]
    fn merged_and_child_tickets_count_at_intake_or_not_at_all() {
        let events = [event("assign", A, at(7, 10))];
        let merged = facts(&ticket(TicketState::Merged), &events, &calendar(), CENTER);
        assert_eq!(merged.len(), 1);
        let mut child = ticket(TicketState::Closed);
        child.is_child = true;
        assert!(facts(&child, &events, &calendar(), CENTER).is_empty());
    }

    #[test]
    fn the_delta_of_a_move_takes_from_one_unit_and_gives_to_the_other() {
        let t = ticket(TicketState::Dispatched);
        let before = facts(&t, &[event("assign", A, at(7, 10))], &calendar(), CENTER);
        let after = facts(
            &t,
            &[event("assign", A, at(7, 10)), event("dispatch", B, at(7, 11))],
            &calendar(),
            CENTER,
        );
        let d = delta(&before, &after);
        let a: Vec<_> = d.iter().filter(|(k, _)| k.org_id == A).collect();
        assert_eq!(a[0].1.get(Measure::Assigned), -1);
        assert_eq!(a[0].1.get(Measure::Received), 0);
        assert!(d.iter().all(|(k, _)| k.org_id != CENTER), "intake did not change");
        assert!(delta(&after, &after).is_empty());
    }

    #[test]
    fn rates_weigh_basic_satisfaction_and_leave_none_when_nothing_was_due() {
        let mut m = Measures::zero();
        m.set(Measure::Satisfied, 3);
        m.set(Measure::BasicallySatisfied, 2);
        m.set(Measure::Unsatisfied, 5);
        let half = SatisfactionWeights { satisfied: 1.0, basically_satisfied: 0.5 };
        let i = Indicators::of(&m, half, 480);
        assert_eq!(i.satisfaction_rate, Some(0.4));
        assert_eq!(i.response_rate, None);
        assert_eq!(Scheme::default().score(&i, &m, 0.0), Some(40.0));
        assert_eq!(Scheme::default().score(&Indicators::default(), &m, 5.0), None);
    }

    #[test]
    fn deductions_and_adjustments_move_the_score_but_never_below_zero() {
        let mut m = Measures::zero();
        m.set(Measure::Satisfied, 9);
        m.set(Measure::Unsatisfied, 1);
        m.set(Measure::FinishDue, 10);
        m.set(Measure::FinishedOnTime, 7);
        m.set(Measure::Reopened, 2);
        let i = Indicators::of(&m, SatisfactionWeights::default(), 480);
        // 满意 0.9 (weight 30) and on time 0.7 (weight 20): 82 out of 100.
        let plain = Scheme::default();
        assert_eq!(plain.score(&i, &m, 0.0).map(f64::round), Some(82.0));
        let strict = Scheme { overdue_deduction: 2.0, reopen_deduction: 1.5, ..plain };
        // Three late (6 points) and two reopened (3 points) off, a bonus of 1 on.
        assert_eq!(strict.score(&i, &m, 1.0).map(f64::round), Some(74.0));
        assert_eq!(strict.score(&i, &m, -200.0), Some(0.0));
        assert!(strict.is_valid());
        assert!(!Scheme { reopen_deduction: -1.0, ..plain }.is_valid());
        assert!(
            !Scheme { response: 0.0, resolution: 0.0, satisfaction: 0.0, on_time: 0.0, ..plain }
                .is_valid()
        );
    }

    #[test]
    fn red_and_black_lists_never_share_a_unit() {
        let ranks = [Some(2), None, Some(1), Some(3), Some(4), Some(5)];
        assert_eq!(red_and_black(&ranks, 2), (vec![2, 0], vec![5, 4]));
        assert_eq!(red_and_black(&ranks, 3), (vec![2, 0], vec![5, 4]));
        assert_eq!(red_and_black(&[Some(1)], 3), (vec![], vec![]));
    }

    #[test]
    fn ties_share_a_rank_and_no_score_gets_none() {
        assert_eq!(
            ranks(&[Some(80.0), None, Some(90.0), Some(80.0)]),
            vec![Some(2), None, Some(1), Some(2)]
        );
    }
}
