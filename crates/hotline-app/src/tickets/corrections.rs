//! Corrections (更正): the center fixes a registered ticket's intake fields with a reason, and
//! the timeline keeps what each field was before (the versions, shown on the ticket). A draft's
//! author edits it freely and may delete it; nothing registered is ever deleted.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::conflict::Conflict;
use hotline_domain::role::{Permission, Principal, Scope};
use hotline_domain::ticket::{Labelled as _, TicketState};
use hotline_domain::{OrgId, TicketId};
use hotline_store::tickets::TicketRow;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{NewTicket, TicketView, bounded_text_multiline, event_row, record_event};
use crate::{App, AuditEntry, Ctx, Error, Result};

/// New values for a ticket's intake fields; what is left out stays. An empty text clears an
/// optional field.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCorrection {
    /// The `version` the editor read; if the ticket has changed since, nothing is saved.
    pub version: i32,
    /// Why (required once the ticket is registered).
    pub reason: Option<String>,
    pub caller_phone: Option<String>,
    pub caller_name: Option<String>,
    pub contact_phone: Option<String>,
    pub title: Option<String>,
    pub content: Option<String>,
    pub demand: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub region_org_id: Option<OrgId>,
    pub category_id: Option<Uuid>,
    #[schema(value_type = Option<hotline_domain::ticket::AppealType>)]
    pub appeal_type: Option<String>,
    #[schema(value_type = Option<hotline_domain::ticket::Urgency>)]
    pub urgency: Option<String>,
    #[schema(value_type = Option<hotline_domain::ticket::Channel>)]
    pub channel: Option<String>,
    pub confidential: Option<bool>,
    #[schema(value_type = Option<hotline_domain::ticket::CallbackRequirement>)]
    pub callback_requirement: Option<String>,
    pub notes: Option<String>,
}

/// The timeline entry of a correction.
const CORRECTION: &str = "correct";

/// Fields whose values never go into the timeline or the trail: only that they changed.
const PERSONAL: [&str; 3] = ["caller_phone", "caller_name", "contact_phone"];

/// The new value of an optional text: unchanged when absent, cleared when empty.
fn overlay(new: Option<&String>, old: Option<String>) -> Option<String> {
    match new {
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some(v.clone()),
        None => old,
    }
}

/// What changed, field by field, with the value before and after.
fn changes(before: &TicketRow, after: &TicketRow, personal: [bool; 3]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut compare = |field: &str, a: Value, b: Value| {
        if a != b {
            out.insert(field.to_owned(), json!({"before": a, "after": b}));
        }
    };
    compare("title", json!(before.title), json!(after.title));
    compare("content", json!(before.content), json!(after.content));
    compare("demand", json!(before.demand), json!(after.demand));
    compare("occurred_at", json!(before.occurred_at), json!(after.occurred_at));
    compare("address", json!(before.address), json!(after.address));
    compare("latitude", json!(before.latitude), json!(after.latitude));
    compare("longitude", json!(before.longitude), json!(after.longitude));
    compare("region_org_id", json!(before.region_org_id), json!(after.region_org_id));
    compare("category_id", json!(before.category_id), json!(after.category_id));
    compare("appeal_type", json!(before.appeal_type), json!(after.appeal_type));
    compare("urgency", json!(before.urgency), json!(after.urgency));
    compare("channel", json!(before.channel), json!(after.channel));
    compare("confidential", json!(before.confidential), json!(after.confidential));
    compare(
        "callback_requirement",
        json!(before.callback_requirement),
        json!(after.callback_requirement),
    );
    compare("notes", json!(before.notes), json!(after.notes));
    for (field, changed) in PERSONAL.into_iter().zip(personal) {
        if changed {
            out.insert(field.to_owned(), json!({"changed": true}));
        }
    }
    out
}

impl App {
    /// Corrects a ticket (the center, with a reason) or edits a draft (its author).
    pub async fn correct_ticket(
        &self,
        ctx: &Ctx,
        id: TicketId,
        input: TicketCorrection,
    ) -> Result<TicketView> {
        let row = hotline_store::tickets::find(self.store.reader(), id.as_uuid())
            .await?
            .ok_or(Error::NotFound("ticket"))?;
        let principal = self.authorize_edit(ctx, &row).await?;
        let draft = row.state == TicketState::Draft;
        if matches!(row.state, TicketState::Archived | TicketState::Merged) {
            return Err(Error::conflict(Conflict::InvalidTransition));
        }
        if input.version != row.version {
            return Err(Error::conflict(Conflict::ConcurrentUpdate));
        }
        let reason = match (draft, input.reason.as_deref().map(str::trim)) {
            (true, _) => None,
            (false, reason) => {
                Some(bounded_text_multiline("reason", reason.unwrap_or(""), 2, 500)?)
            }
        };
        let phone = self.reveal_phone(row.caller_phone_enc.as_deref())?;
        let name = self.reveal(row.caller_name_enc.as_deref())?;
        let contact = self.reveal_phone(row.contact_phone_enc.as_deref())?;
        let merged = NewTicket {
            caller_phone: overlay(input.caller_phone.as_ref(), phone.clone()),
            caller_name: overlay(input.caller_name.as_ref(), name.clone()),
            title: input.title.clone().unwrap_or_else(|| row.title.clone()),
            content: input.content.clone().unwrap_or_else(|| row.content.clone()),
            demand: overlay(input.demand.as_ref(), row.demand.clone()),
            occurred_at: input.occurred_at.or(row.occurred_at),
            address: overlay(input.address.as_ref(), row.address.clone()),
            latitude: input.latitude.or(row.latitude),
            longitude: input.longitude.or(row.longitude),
            // A changed address finds its region again unless one is given.
            region_org_id: input.region_org_id.or_else(|| {
                input.address.is_none().then_some(row.region_org_id.map(OrgId::from_uuid)).flatten()
            }),
            category_id: input.category_id.or(row.category_id),
            appeal_type: input
                .appeal_type
                .clone()
                .unwrap_or_else(|| row.appeal_type.code().to_owned()),
            urgency: input.urgency.clone().unwrap_or_else(|| row.urgency.code().to_owned()),
            channel: input.channel.clone().unwrap_or_else(|| row.channel.as_str().to_owned()),
            confidential: input.confidential.unwrap_or(row.confidential),
            contact_phone: overlay(input.contact_phone.as_ref(), contact.clone()),
            callback_requirement: Some(
                input
                    .callback_requirement
                    .clone()
                    .unwrap_or_else(|| row.callback_requirement.code().to_owned()),
            ),
            notes: overlay(input.notes.as_ref(), row.notes.clone()),
            attachments: Vec::new(),
            draft,
            handling: None,
        };
        let valid = self.validate_new_ticket(&merged).await?;
        let personal = [
            valid.phone.as_ref().map(|p| p.national()) != phone,
            valid.caller_name != name,
            valid.contact_phone.as_ref().map(|p| p.national()) != contact,
        ];
        let mut after = row.clone();
        self.set_intake_fields(&mut after, valid, &merged)?;
        let changed = changes(&row, &after, personal);
        if changed.is_empty() {
            return self.ticket_view(&principal, row).await;
        }
        let now = self.now();
        after.updated_at = now;
        // As registered it is the first version; each correction makes the next.
        let earlier = hotline_store::tickets::events(self.store.reader(), row.id)
            .await?
            .iter()
            .filter(|e| e.action == CORRECTION)
            .count();
        let detail = json!({"version": earlier + 2, "changes": changed});
        let event = event_row(
            ctx,
            &after,
            CORRECTION,
            Some(row.state),
            Some(row.state),
            None,
            reason.as_deref(),
            detail.clone(),
            now,
        );
        let action = if draft { AuditAction::DraftUpdate } else { AuditAction::TicketCorrect };
        let audit = ctx.record(
            AuditEntry::new(action)
                .subject("ticket", id)
                .detail(json!({"number": row.number, "reason": reason, "detail": detail})),
            now,
        );
        // Subscribers and the search index hear of a registered ticket's correction; a
        // draft is its author's until registered.
        let announce = (!draft).then(|| json!({"changes": detail["changes"].clone()}));
        let saved = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let saved = hotline_store::tickets::update(tx, after).await?;
                    if let Some(data) = announce {
                        let concerns = [saved.holder_org_id];
                        let outbox = super::outbox::event_for(
                            "ticket.corrected",
                            &saved,
                            &concerns,
                            data,
                            now,
                        );
                        hotline_store::tickets::insert_outbox(tx, outbox).await?;
                    }
                    record_event(tx, event).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(saved)
                })
            })
            .await?;
        self.publish(crate::events::LiveEvent::ticket(&saved, CORRECTION));
        self.ticket_view(&principal, saved).await
    }

    /// Deletes a draft (待登记) its author no longer wants. Registered tickets are never deleted.
    pub async fn delete_draft(&self, ctx: &Ctx, id: TicketId) -> Result<()> {
        let row = hotline_store::tickets::find(self.store.reader(), id.as_uuid())
            .await?
            .ok_or(Error::NotFound("ticket"))?;
        self.authorize_edit(ctx, &row).await?;
        if row.state != TicketState::Draft {
            return Err(Error::conflict(Conflict::InvalidTransition));
        }
        let audit = ctx.record(
            AuditEntry::new(AuditAction::DraftDelete)
                .subject("ticket", id)
                .detail(json!({"number": row.number, "title": row.title})),
            self.now(),
        );
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if !hotline_store::tickets::delete_draft(tx, row.id).await? {
                        // Registered meanwhile.
                        return Err(Error::conflict(Conflict::InvalidTransition));
                    }
                    tx.audit([audit]);
                    Ok::<_, Error>(())
                })
            })
            .await
    }

    /// A draft is its author's; a registered ticket is corrected by the center's intake staff.
    async fn authorize_edit(&self, ctx: &Ctx, row: &TicketRow) -> Result<Principal> {
        let (principal, scope) = self.authorize(ctx, Permission::TicketCreate, None).await?;
        let own_draft = row.state == TicketState::Draft
            && row.created_by.is_some()
            && row.created_by == principal.user_id().map(|u| u.as_uuid());
        let center = matches!(scope, Scope::City) && row.state != TicketState::Draft;
        if own_draft || center {
            return Ok(principal);
        }
        Err(self.deny(ctx, json!({"edit_ticket": row.number})).await)
    }
}
