//! Caller history: who is on the line, and what they called about before.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::phone::PhoneNumber;
use hotline_domain::role::Permission;
use hotline_domain::ticket::TicketState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::{App, AuditEntry, Ctx, Result};

/// Looked up by POST so the number never lands in a URL or an access log.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallerLookup {
    pub phone: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PastTicket {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub state: TicketState,
    pub satisfaction: Option<hotline_domain::ticket::Satisfaction>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CallerHistory {
    /// The number as dialled in China (`13800000000`, `010-12345678`).
    pub phone: String,
    pub phone_masked: String,
    /// Called about something before.
    pub repeat_caller: bool,
    pub total_tickets: u64,
    /// The latest tickets, newest first.
    pub tickets: Vec<PastTicket>,
}

impl App {
    pub async fn caller_history(&self, ctx: &Ctx, input: CallerLookup) -> Result<CallerHistory> {
        self.authorize(ctx, Permission::TicketIntake, None).await?;
        let phone = PhoneNumber::parse(&input.phone, &self.config.tickets.default_area_code)
            .map_err(|e| hotline_domain::FieldError::new("phone", e.issue))?;
        let index = self.data_key.blind_index(phone.as_e164());
        let (rows, total) =
            hotline_store::tickets::by_caller(self.store.reader(), &index, 20).await?;
        self.audit_now(vec![
            ctx.record(
                AuditEntry::new(AuditAction::CallerLookup)
                    .detail(json!({"phone_masked": phone.masked(), "found": total})),
                self.now(),
            ),
        ])
        .await?;
        Ok(CallerHistory {
            phone: phone.national(),
            phone_masked: phone.masked(),
            repeat_caller: total > 0,
            total_tickets: total,
            tickets: rows
                .into_iter()
                .map(|r| PastTicket {
                    id: r.id,
                    state: r.state,
                    number: r.number,
                    title: r.title,
                    satisfaction: r.satisfaction,
                    created_at: r.created_at,
                })
                .collect(),
        })
    }
}
