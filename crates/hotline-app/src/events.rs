//! Live events for the console (server-sent events): what changed on which ticket. Only this
//! instance's changes are seen; the outbox remains the durable record.

use hotline_domain::role::{Permission, Principal, Scope};
use hotline_store::tickets::TicketRow;
use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::identity::orgs::path_of;
use crate::{App, Result};

/// How many events a slow subscriber may fall behind before it skips ahead.
pub const BACKLOG: usize = 1024;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LiveEvent {
    /// `ticket` for changes, `deadline` for warnings and overdue flags, `instruction` for a
    /// leader's instruction (批示) to the units holding the ticket, `briefing` when a briefing
    /// is published (the nil id), `alert` for the early-warning inbox (its first ticket, or the
    /// nil id), `stats` when the rollups moved (the nil id: dashboards read again).
    pub kind: &'static str,
    pub ticket_id: Uuid,
    pub action: String,
    pub holder_org_id: Option<Uuid>,
}

impl LiveEvent {
    pub(crate) fn ticket(row: &TicketRow, action: &str) -> Self {
        let kind = match action {
            "deadline_warning" | "response_overdue" | "urge" | "supervise"
                if row.holder_org_id.is_some() =>
            {
                "deadline"
            }
            "instruct" => "instruction",
            _ => "ticket",
        };
        Self {
            kind,
            ticket_id: row.id,
            action: action.to_owned(),
            holder_org_id: row.holder_org_id,
        }
    }
}

impl LiveEvent {
    /// The same change, for a unit beside the holder it concerns (an assisting unit).
    pub(crate) fn told(row: &TicketRow, org: Uuid, action: &str) -> Self {
        Self { holder_org_id: Some(org), ..Self::ticket(row, action) }
    }

    pub(crate) fn alert(row: &hotline_store::alerts::AlertRow) -> Self {
        let first = crate::alerts::ids_of(row).first().copied().unwrap_or(Uuid::nil());
        Self {
            kind: "alert",
            ticket_id: first,
            action: row.kind.as_str().to_owned(),
            holder_org_id: None,
        }
    }
}

impl LiveEvent {
    /// A briefing was published: leaders' lists read again.
    pub(crate) fn briefing() -> Self {
        Self {
            kind: "briefing",
            ticket_id: Uuid::nil(),
            action: "publish".to_owned(),
            holder_org_id: None,
        }
    }

    pub(crate) fn stats() -> Self {
        Self {
            kind: "stats",
            ticket_id: Uuid::nil(),
            action: "rollup".to_owned(),
            holder_org_id: None,
        }
    }
}

impl App {
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.events.subscribe()
    }

    pub(crate) fn publish(&self, event: LiveEvent) {
        // No subscriber is not an error.
        let _ = self.events.send(event);
    }

    /// Whether `principal` may see `event`: center staff see everything, units what is held in
    /// their subtree.
    pub async fn visible_to(&self, principal: &Principal, event: &LiveEvent) -> Result<bool> {
        if event.kind == "alert" {
            return Ok(principal.scope_for(Permission::AlertHandle).is_some());
        }
        if event.kind == "briefing" {
            return Ok(principal.scope_for(Permission::BriefingRead).is_some());
        }
        if event.kind == "stats" {
            // Whoever reads the city's dashboard.
            return Ok(principal.scope_for(Permission::TicketRead) == Some(Scope::City));
        }
        Ok(match principal.scope_for(Permission::TicketRead) {
            None => false,
            Some(Scope::City) => true,
            Some(Scope::Subtree(root)) => match event.holder_org_id {
                None => false,
                Some(org) => self
                    .reference()
                    .await?
                    .orgs
                    .get(&org)
                    .is_some_and(|o| root.contains(&path_of(o))),
            },
        })
    }
}
