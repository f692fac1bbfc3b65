//! Who sees the caller, and the record of who did.
//!
//! A person opening a ticket is an access, audited every time; the console reloading an open
//! ticket by itself (`refresh`) is not a new one, unless that person's last audited read of the
//! ticket is older than `REFRESH_WINDOW`, so a refresh never reads unaudited for long and the
//! trail does not fill with reloads. A unit holding a ticket sees the caller's number masked;
//! to call the citizen it reveals the number, stating why, and that is audited too. Supervisors
//! see every access to a ticket on the ticket.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use hotline_domain::audit::{AuditAction, AuditRecord};
use hotline_domain::role::Permission;
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldIssue, TicketId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::views::{OrgRef, org_ref};
use super::{PiiAccess, pii_access};
use crate::paging::{PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

pub(crate) const REFRESH_WINDOW: Duration = Duration::minutes(30);

/// Entries beyond this are pruned of the expired ones.
const PRUNE_AT: usize = 50_000;

/// The last audited read of each (reader, ticket) in this process.
#[derive(Debug, Default)]
pub(crate) struct RecentReads(Mutex<HashMap<(String, Uuid), DateTime<Utc>>>);

impl RecentReads {
    /// Whether this read is audited; when it is, it becomes the reader's last audited read.
    pub(crate) fn audits(
        &self,
        reader: &str,
        ticket: Uuid,
        refresh: bool,
        now: DateTime<Utc>,
    ) -> bool {
        let mut reads = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (reader.to_owned(), ticket);
        if refresh && reads.get(&key).is_some_and(|at| now - *at < REFRESH_WINDOW) {
            return false;
        }
        if reads.len() >= PRUNE_AT {
            reads.retain(|_, at| now - *at < REFRESH_WINDOW);
        }
        reads.insert(key, now);
        true
    }
}

/// Why a unit needs the caller's number (联系市民).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealContact {
    pub reason: String,
}

/// The caller as the ticket recorded them, for the one who revealed it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RevealedContact {
    pub caller_phone: Option<String>,
    pub caller_name: Option<String>,
    /// 联系电话, when the citizen gave one apart from the calling number.
    pub contact_phone: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// Opened the ticket.
    Read,
    /// Revealed the caller's number.
    RevealContact,
}

/// One access to a ticket: who, when, how much of the caller they saw, and why.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketAccess {
    pub at: DateTime<Utc>,
    pub kind: AccessKind,
    pub actor_name: Option<String>,
    pub actor_display_name: Option<String>,
    pub actor_org: Option<OrgRef>,
    /// What the reader saw of the caller: `plain`, `masked` or `hidden`.
    pub personal_data: Option<String>,
    /// The reason given for revealing the number.
    pub reason: Option<String>,
    pub source_ip: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

impl App {
    /// The caller's number for a unit that holds the ticket and must reach the citizen; the
    /// reason is required and the reveal is audited. Confidential tickets (举报) never show
    /// their caller to units.
    pub async fn reveal_contact(
        &self,
        ctx: &Ctx,
        id: TicketId,
        input: RevealContact,
    ) -> Result<RevealedContact> {
        let row = hotline_store::tickets::find(self.store.reader(), id.as_uuid())
            .await?
            .ok_or(Error::NotFound("ticket"))?;
        let principal = self.authorize_ticket_read(ctx, &row).await?;
        let access = pii_access(&principal, row.confidential);
        let handles = principal.scope_for(Permission::TicketHandle).is_some();
        if access == PiiAccess::Hidden || !(handles || access == PiiAccess::Plain) {
            return Err(self
                .deny(ctx, json!({"reveal_contact": row.number, "confidential": row.confidential}))
                .await);
        }
        let reason = bounded_text("reason", &input.reason, 2, 200)?;
        let revealed = RevealedContact {
            caller_phone: self.reveal_phone(row.caller_phone_enc.as_deref())?,
            caller_name: self.reveal(row.caller_name_enc.as_deref())?,
            contact_phone: self.reveal_phone(row.contact_phone_enc.as_deref())?,
        };
        if revealed.caller_phone.is_none() && revealed.contact_phone.is_none() {
            return Err(FieldError::new("caller_phone", FieldIssue::NotFound)
                .with_detail("the ticket has no caller number")
                .into());
        }
        self.audit_now(vec![
            ctx.record(
                AuditEntry::new(AuditAction::ContactRevealed)
                    .subject("ticket", id)
                    .detail(json!({"number": row.number, "reason": reason.as_str()})),
                self.now(),
            ),
        ])
        .await?;
        Ok(revealed)
    }

    /// Every opening of the ticket and every reveal of its caller, newest first (the seed:
    /// every user who opens a record is registered), for supervisors.
    pub async fn ticket_accesses(
        &self,
        ctx: &Ctx,
        id: TicketId,
        query: AccessQuery,
    ) -> Result<PageOf<TicketAccess>> {
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        self.authorize(ctx, Permission::TicketSupervise, None).await?;
        let db = self.store.reader();
        hotline_store::tickets::find(db, id.as_uuid()).await?.ok_or(Error::NotFound("ticket"))?;
        let found = hotline_store::audit::accesses(
            db,
            &id.to_string(),
            &[AuditAction::TicketRead.as_str(), AuditAction::ContactRevealed.as_str()],
            page,
        )
        .await?;
        let reference = self.reference().await?;
        let actors: Vec<Uuid> =
            found.items.iter().filter_map(|r| r.actor_id.as_deref()?.parse().ok()).collect();
        let names = hotline_store::users::display_names(db, &actors).await?;
        let items =
            found.items.into_iter().map(|r| access_of(r, &reference.orgs, &names)).collect();
        Ok(PageOf::new(items, found.total, page))
    }
}

fn access_of(
    r: AuditRecord,
    orgs: &HashMap<Uuid, hotline_store::orgs::OrgRow>,
    names: &HashMap<Uuid, String>,
) -> TicketAccess {
    let detail: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or_default();
    let text = |key: &str| detail.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
    let actor = r.actor_id.as_deref().and_then(|a| a.parse::<Uuid>().ok());
    TicketAccess {
        at: r.at,
        kind: if r.action == AuditAction::ContactRevealed.as_str() {
            AccessKind::RevealContact
        } else {
            AccessKind::Read
        },
        actor_display_name: actor.and_then(|a| names.get(&a).cloned()),
        actor_name: r.actor_name,
        actor_org: r
            .actor_org_id
            .as_deref()
            .and_then(|o| o.parse::<Uuid>().ok())
            .and_then(|o| orgs.get(&o))
            .map(org_ref),
        personal_data: text("personal_data"),
        reason: text("reason"),
        source_ip: r.source_ip,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn opening_is_always_audited_and_reloads_once_per_window() {
        let reads = RecentReads::default();
        let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0).unwrap();
        let ticket = Uuid::nil();
        assert!(reads.audits("wang", ticket, false, t0));
        assert!(!reads.audits("wang", ticket, true, t0 + Duration::seconds(2)));
        assert!(reads.audits("wang", ticket, false, t0 + Duration::seconds(4)), "opening again");
        assert!(
            reads.audits("li", ticket, true, t0),
            "another reader's reload is their first read"
        );
        assert!(!reads.audits("wang", ticket, true, t0 + Duration::minutes(29)));
        assert!(reads.audits("wang", ticket, true, t0 + Duration::minutes(35)));
    }
}
