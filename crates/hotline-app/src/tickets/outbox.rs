//! What a ticket's outbox event carries: the event's own data, the ticket as it stood right
//! after the change, a per-ticket sequence number and the orgs the event concerns. Every
//! consumer (webhook fan-out, federation reports) routes and describes an event by these,
//! never by the ticket as it stands when the consumer gets to it — by then it may have moved
//! on to another unit.

use chrono::{DateTime, Utc};
use hotline_domain::ticket::TicketState;
use hotline_store::tickets::{OutboxRow, TicketRow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The ticket as it stood when the event happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct TicketSnapshot {
    pub id: Uuid,
    pub number: String,
    pub state: TicketState,
    pub title: String,
    pub holder_org_id: Option<Uuid>,
    pub accept_due: Option<DateTime<Utc>>,
    pub finish_due: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// For reports upstream: the reply and the reason as they were then.
    pub reply_content: Option<String>,
    pub close_reason: Option<hotline_domain::ticket::decisions::CloseReason>,
}

impl TicketSnapshot {
    fn of(row: &TicketRow) -> Self {
        Self {
            id: row.id,
            number: row.number.clone(),
            state: row.state,
            title: row.title.clone(),
            holder_org_id: row.holder_org_id,
            accept_due: row.accept_due,
            finish_due: row.finish_due,
            updated_at: row.updated_at,
            reply_content: row.reply_content.clone(),
            close_reason: row.close_reason,
        }
    }
}

/// An outbox event read back: its payload's parts.
pub(crate) struct EventFacts {
    pub payload: Value,
    /// Absent in events written before snapshots were kept.
    pub ticket: Option<TicketSnapshot>,
    pub sequence: Option<i64>,
    /// The orgs it concerns: its subscribers are these orgs and their ancestors.
    pub orgs: Vec<Uuid>,
}

impl EventFacts {
    pub(crate) fn read(event: &OutboxRow) -> Self {
        let payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
        let ticket = payload
            .get("ticket")
            .and_then(|t| serde_json::from_value::<TicketSnapshot>(t.clone()).ok());
        let sequence = payload.get("sequence").and_then(Value::as_i64);
        let orgs: Vec<Uuid> = match payload.get("orgs").and_then(Value::as_array) {
            Some(list) => {
                list.iter().filter_map(Value::as_str).filter_map(|s| s.parse().ok()).collect()
            }
            // Older events named their orgs in these two fields only.
            None => ["org_id", "holder_before"]
                .iter()
                .filter_map(|k| payload.get(*k).and_then(Value::as_str))
                .filter_map(|s| s.parse().ok())
                .collect(),
        };
        Self { payload, ticket, sequence, orgs }
    }
}

/// The outbox row for a change to `row` (already updated): `data` (an object) plus the
/// snapshot, the sequence — the ticket's version after the change, which grows by one with
/// every committed change — and the orgs in `concerns` that are set.
pub(crate) fn event_for(
    topic: &str,
    row: &TicketRow,
    concerns: &[Option<Uuid>],
    mut data: Value,
    now: DateTime<Utc>,
) -> OutboxRow {
    let mut orgs: Vec<Uuid> = Vec::new();
    for org in concerns.iter().flatten() {
        if !orgs.contains(org) {
            orgs.push(*org);
        }
    }
    if let Value::Object(map) = &mut data {
        map.insert("ticket_id".to_owned(), Value::from(row.id.to_string()));
        map.insert("number".to_owned(), Value::from(row.number.clone()));
        map.insert("sequence".to_owned(), Value::from(row.version));
        map.insert(
            "ticket".to_owned(),
            serde_json::to_value(TicketSnapshot::of(row)).unwrap_or(Value::Null),
        );
        map.insert(
            "orgs".to_owned(),
            Value::from(orgs.iter().map(ToString::to_string).collect::<Vec<_>>()),
        );
    }
    hotline_store::tickets::outbox_row(topic, Some(row.id), data.to_string(), now)
}
