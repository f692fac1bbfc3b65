//! On-duty figures (值班统计): what the staff taking appeals did, hour by hour — the contacts
//! they took, the appeals they registered, answered on the spot (直接答复) or sent on to units,
//! and how those appeals fared later (reopened, returned by a unit). Counted per local day ×
//! hour × agent × channel, so a shift is a range of hours and the city's intake by hour of day
//! is the sum over agents.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Timelike as _, Utc};
use uuid::Uuid;

use crate::ticket::{Channel, HandlingType, TicketState};

/// Where one count falls: the local day and hour, who (the nil id for no one on staff: an
/// intake app, a citizen portal) and the channel.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DutyKey {
    pub day: NaiveDate,
    pub hour: u8,
    pub agent_id: Uuid,
    pub channel: Channel,
}

/// What is counted at a key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DutyMeasures {
    /// Contacts taken (a call or message recorded, a repeat call included).
    pub contacts: i64,
    /// Appeals registered (past the draft; assisting units' child tickets are not appeals).
    pub registered: i64,
    /// Of those, answered on the spot from the knowledge base (直接答复).
    pub answered: i64,
    /// Of those, sent on to a unit.
    pub dispatched: i64,
    /// Of those, reopened after the citizen's dissatisfaction (重办).
    pub reopened: i64,
    /// Of those, returned by a unit (退单): often a wrong category or unit at intake.
    pub returned: i64,
}

impl DutyMeasures {
    /// The measures in their stored order, with their column names.
    pub const COLUMNS: [&'static str; 6] =
        ["contacts", "registered", "answered", "dispatched", "reopened", "returned"];

    #[must_use]
    pub fn values(&self) -> [i64; 6] {
        [
            self.contacts,
            self.registered,
            self.answered,
            self.dispatched,
            self.reopened,
            self.returned,
        ]
    }

    #[must_use]
    pub fn from_values(v: [i64; 6]) -> Self {
        let [contacts, registered, answered, dispatched, reopened, returned] = v;
        Self { contacts, registered, answered, dispatched, reopened, returned }
    }

    pub fn add(&mut self, other: &Self) {
        self.combine(other, 1);
    }

    pub fn subtract(&mut self, other: &Self) {
        self.combine(other, -1);
    }

    fn combine(&mut self, other: &Self, sign: i64) {
        let mut v = self.values();
        for (mine, theirs) in v.iter_mut().zip(other.values()) {
            *mine += sign * theirs;
        }
        *self = Self::from_values(v);
    }

    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.values().iter().all(|v| *v == 0)
    }
}

/// One ticket's counts at one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DutyFact {
    pub key: DutyKey,
    pub measures: DutyMeasures,
}

/// The parts of a ticket its on-duty counts depend on.
#[derive(Clone, Debug)]
pub struct DutyTicket {
    pub state: TicketState,
    pub is_child: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub channel: Channel,
    pub handling_type: Option<HandlingType>,
    pub dispatched: bool,
    pub reopened: bool,
    pub returned: bool,
}

/// A contact recorded with the ticket: by whom, when and how it came.
#[derive(Clone, Debug)]
pub struct DutyContact {
    pub created_by: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
}

fn key_at(at: DateTime<Utc>, offset: FixedOffset, who: Option<Uuid>, channel: Channel) -> DutyKey {
    let local = at.with_timezone(&offset);
    DutyKey {
        day: local.date_naive(),
        hour: u8::try_from(local.hour()).unwrap_or(0),
        agent_id: who.unwrap_or(Uuid::nil()),
        channel,
    }
}

/// What one ticket and its contacts count, summed per key (`offset`: the calendar's zone).
#[must_use]
pub fn duty_facts(
    ticket: &DutyTicket,
    contacts: &[DutyContact],
    offset: FixedOffset,
) -> Vec<DutyFact> {
    let mut sums: BTreeMap<DutyKey, DutyMeasures> = BTreeMap::new();
    for contact in contacts {
        let key = key_at(contact.received_at, offset, contact.created_by, contact.channel);
        sums.entry(key).or_default().contacts += 1;
    }
    if !ticket.is_child && ticket.state != TicketState::Draft {
        let key = key_at(ticket.created_at, offset, ticket.created_by, ticket.channel);
        let m = sums.entry(key).or_default();
        m.registered += 1;
        m.answered += i64::from(ticket.handling_type == Some(HandlingType::Answer));
        m.dispatched += i64::from(ticket.dispatched);
        m.reopened += i64::from(ticket.reopened);
        m.returned += i64::from(ticket.returned);
    }
    sums.into_iter().map(|(key, measures)| DutyFact { key, measures }).collect()
}

/// The change `before` → `after` of one batch of tickets' counts, per key.
#[must_use]
pub fn duty_delta(before: &[DutyFact], after: &[DutyFact]) -> Vec<(DutyKey, DutyMeasures)> {
    let mut sums: BTreeMap<DutyKey, DutyMeasures> = BTreeMap::new();
    for fact in after {
        sums.entry(fact.key.clone()).or_default().add(&fact.measures);
    }
    for fact in before {
        sums.entry(fact.key.clone()).or_default().subtract(&fact.measures);
    }
    sums.into_iter().filter(|(_, m)| !m.is_zero()).collect()
}

/// A named range of hours (早班 8–16); `to` may be below `from` for a shift across midnight.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct Shift {
    pub name: String,
    /// First hour, 0–23.
    pub from: u8,
    /// The hour it ends at (exclusive), 0–24.
    pub to: u8,
}

impl Shift {
    #[must_use]
    pub fn holds(&self, hour: u8) -> bool {
        if self.from <= self.to {
            (self.from..self.to).contains(&hour)
        } else {
            hour >= self.from || hour < self.to
        }
    }

    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.from < 24 && self.to <= 24 && self.from != self.to && !self.name.trim().is_empty()
    }
}

/// Three eight-hour shifts, the usual roster of a 24-hour line.
#[must_use]
pub fn default_shifts() -> Vec<Shift> {
    vec![
        Shift { name: "早班".to_owned(), from: 8, to: 16 },
        Shift { name: "中班".to_owned(), from: 16, to: 24 },
        Shift { name: "夜班".to_owned(), from: 0, to: 8 },
    ]
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, 0).single().expect("time")
    }

    fn beijing() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).expect("offset")
    }

    fn ticket(agent: Uuid) -> DutyTicket {
        DutyTicket {
            state: TicketState::Answered,
            is_child: false,
            created_by: Some(agent),
            created_at: at(15, 50),
            channel: Channel::Phone,
            handling_type: Some(HandlingType::Answer),
            dispatched: false,
            reopened: false,
            returned: false,
        }
    }

    #[test]
    fn a_ticket_counts_where_and_when_its_agent_registered_it() {
        let (agent, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let contacts = [
            DutyContact {
                created_by: Some(agent),
                received_at: at(15, 50),
                channel: Channel::Phone,
            },
            DutyContact {
                created_by: Some(other),
                received_at: at(16, 5),
                channel: Channel::Phone,
            },
        ];
        let facts = duty_facts(&ticket(agent), &contacts, beijing());
        // 15:50 UTC is 23:50 in Beijing; 16:05 UTC is past midnight, the next day.
        assert_eq!(facts.len(), 2);
        let first = &facts[0];
        assert_eq!((first.key.day.to_string(), first.key.hour), ("2026-11-24".to_owned(), 23));
        assert_eq!(
            first.measures,
            DutyMeasures { contacts: 1, registered: 1, answered: 1, ..DutyMeasures::default() }
        );
        assert_eq!((facts[1].key.day.to_string(), facts[1].key.hour), ("2026-11-25".to_owned(), 0));
        assert_eq!(facts[1].key.agent_id, other);
        assert_eq!(facts[1].measures.registered, 0, "a repeat contact is not a registration");
    }

    #[test]
    fn drafts_and_assisting_copies_register_nothing() {
        let agent = Uuid::from_u128(1);
        let draft = DutyTicket { state: TicketState::Draft, ..ticket(agent) };
        assert!(duty_facts(&draft, &[], beijing()).is_empty());
        let child = DutyTicket { is_child: true, ..ticket(agent) };
        assert!(duty_facts(&child, &[], beijing()).is_empty());
    }

    #[test]
    fn a_change_moves_the_sums_by_the_difference() {
        let agent = Uuid::from_u128(1);
        let before = duty_facts(&ticket(agent), &[], beijing());
        let later = DutyTicket { reopened: true, returned: true, ..ticket(agent) };
        let after = duty_facts(&later, &[], beijing());
        let change = duty_delta(&before, &after);
        assert_eq!(change.len(), 1);
        assert_eq!(
            change[0].1,
            DutyMeasures { reopened: 1, returned: 1, ..DutyMeasures::default() }
        );
        assert!(duty_delta(&after, &after).is_empty());
    }

    #[test]
    fn shifts_hold_their_hours_across_midnight_too() {
        let [day, evening, night] = <[Shift; 3]>::try_from(default_shifts()).expect("three");
        assert!(day.holds(8) && day.holds(15) && !day.holds(16));
        assert!(evening.holds(23) && !evening.holds(0));
        assert!(night.holds(0) && night.holds(7) && !night.holds(8));
        let across = Shift { name: "夜班".to_owned(), from: 22, to: 6 };
        assert!(across.holds(23) && across.holds(5) && !across.holds(6) && !across.holds(12));
        assert!(across.is_valid() && !Shift { name: "x".to_owned(), from: 5, to: 5 }.is_valid());
    }
}
