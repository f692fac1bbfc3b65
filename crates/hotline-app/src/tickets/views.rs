//! How tickets look to the people reading them: personal data per role, deadlines with their
//! status, the timeline, and the actions the reader may take.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hotline_domain::role::Principal;
use hotline_domain::sla::{Counting, minutes_left};
use hotline_domain::ticket::lifecycle::{self, TicketFacts};
use hotline_domain::ticket::{Action, CallbackRequirement, TicketState};
use hotline_store::orgs::OrgRow;
use hotline_store::tickets::{TicketEventRow, TicketRow};
use serde::Serialize;
use uuid::Uuid;

use super::{PiiAccess, pii_access};
use crate::reference::ReferenceData;
use crate::reference::categories::CategoryRef;
use crate::{App, Result};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OrgRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketRef {
    pub id: Uuid,
    pub number: String,
    pub state: TicketState,
    pub holder_org: Option<OrgRef>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CallerView {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// 联系电话, when the citizen gave one apart from the calling number; shown as `phone` is.
    pub contact_phone: Option<String>,
    /// `plain` for center staff, `masked` for units, `hidden` on confidential tickets.
    pub access: PiiAccess,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// No clock is running.
    #[default]
    None,
    Ok,
    /// Less than the configured share of the time is left.
    Warning,
    Overdue,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Deadlines {
    pub accept_due: Option<DateTime<Utc>>,
    pub response_due: Option<DateTime<Utc>>,
    pub finish_due: Option<DateTime<Utc>>,
    /// Before any extension; kept for KPIs.
    pub original_finish_due: Option<DateTime<Utc>>,
    pub accept_overdue: bool,
    pub response_overdue: bool,
    pub overdue: bool,
    /// The running clock (accept while 待签收, finish while being handled).
    pub status: DeadlineStatus,
    /// Working minutes to the running clock's deadline; negative when late.
    pub working_minutes_left: Option<i64>,
    /// Minutes to the running clock's deadline counted as its limit counts (`counting`);
    /// negative, and at least one, when late.
    pub minutes_left: Option<i64>,
    pub counting: Option<Counting>,
}

/// The running clock of a ticket, as the views show it.
#[derive(Clone, Copy, Debug, Default)]
struct RunningClock {
    status: DeadlineStatus,
    working_minutes_left: Option<i64>,
    minutes_left: Option<i64>,
    counting: Option<Counting>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Counters {
    pub urged: i32,
    pub supervision_level: i32,
    /// Leaders' instructions (批示) on it.
    pub instructions: i32,
    pub reopened: i32,
    pub returned: i32,
    pub callback_attempts: i32,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    /// The account that acted (its login name), `system` for timers, or a token's name.
    pub actor_name: Option<String>,
    /// The person's name as staff know them (王芳), when a user acted.
    pub actor_display_name: Option<String>,
    pub actor_org: Option<OrgRef>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub org: Option<OrgRef>,
    pub opinion: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    pub id: Uuid,
    pub channel: hotline_domain::ticket::Channel,
    pub received_at: DateTime<Utc>,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    /// The timeline entry it came with; none for intake.
    pub event_id: Option<Uuid>,
    /// The file is kept here (`GET /tickets/{id}/attachments/{attachment_id}`), not only named.
    pub downloadable: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketView {
    pub id: Uuid,
    pub number: String,
    pub state: TicketState,
    pub handling_type: Option<String>,
    pub parent: Option<TicketRef>,
    pub master: Option<TicketRef>,
    pub caller: CallerView,
    pub title: String,
    pub content: String,
    pub demand: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub location: Option<Location>,
    pub category: Option<CategoryRef>,
    pub appeal_type: hotline_domain::ticket::AppealType,
    pub urgency: hotline_domain::ticket::Urgency,
    pub channel: hotline_domain::ticket::Channel,
    pub confidential: bool,
    pub emergency: bool,
    /// The district or street the appeal is about (所属区域).
    pub region_org_id: Option<Uuid>,
    pub region_org: Option<OrgRef>,
    pub callback_requirement: CallbackRequirement,
    pub holder_org: Option<OrgRef>,
    pub dispatched_by_org: Option<OrgRef>,
    pub excerpt: Option<String>,
    pub notes: Option<String>,
    pub reply_content: Option<String>,
    pub close_reason: Option<String>,
    pub deadlines: Deadlines,
    pub counters: Counters,
    pub satisfaction: Option<hotline_domain::ticket::Satisfaction>,
    pub resolved: Option<bool>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub first_contact_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub allowed_actions: Vec<Action>,
    pub timeline: Vec<EventView>,
    pub children: Vec<TicketRef>,
    pub merged: Vec<TicketRef>,
    pub contacts: Vec<ContactView>,
    pub attachments: Vec<AttachmentView>,
}

/// A row of a work list: no texts beyond the title, the caller's number always masked.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TicketSummary {
    pub id: Uuid,
    pub number: String,
    pub state: TicketState,
    pub title: String,
    pub category_name: Option<String>,
    pub appeal_type: hotline_domain::ticket::AppealType,
    pub urgency: hotline_domain::ticket::Urgency,
    pub channel: hotline_domain::ticket::Channel,
    pub caller_phone: Option<String>,
    pub region_org_id: Option<Uuid>,
    pub callback_requirement: CallbackRequirement,
    pub holder_org: Option<OrgRef>,
    pub parent_id: Option<Uuid>,
    pub emergency: bool,
    /// An agent has written the excerpt (拟摘) the dispatcher works from.
    pub excerpted: bool,
    pub overdue: bool,
    pub urged_count: i32,
    pub supervision_level: i32,
    /// Leaders' instructions (批示) on it: the units holding it act on them.
    pub instruction_count: i32,
    pub accept_due: Option<DateTime<Utc>>,
    pub finish_due: Option<DateTime<Utc>>,
    pub deadline_status: DeadlineStatus,
    pub working_minutes_left: Option<i64>,
    /// As in `Deadlines`: minutes left counted as the running clock's limit counts.
    pub minutes_left: Option<i64>,
    pub counting: Option<Counting>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The rows a ticket view shows besides the ticket itself.
#[derive(Debug, Default)]
pub(crate) struct Related {
    pub children: Vec<TicketRow>,
    pub merged: Vec<TicketRow>,
    pub parent: Option<TicketRow>,
    pub master: Option<TicketRow>,
    pub events: Vec<TicketEventRow>,
    pub contacts: Vec<hotline_store::tickets::ContactRow>,
    pub attachments: Vec<hotline_store::tickets::AttachmentRow>,
}

pub(crate) fn org_ref(org: &OrgRow) -> OrgRef {
    OrgRef { id: org.id, code: org.code.clone(), name: org.name.clone() }
}

impl App {
    /// The deadline that matters now, and how it stands: the accept clock while 待签收 (or the
    /// finish clock when that runs out first), the finish clock while being handled. Time left
    /// is counted as the clock's limit counts it: working time for working days, elapsed time
    /// for minutes and hours.
    fn running_clock(&self, row: &TicketRow, reference: &ReferenceData) -> RunningClock {
        let (clocks, _) = reference.clocks(row.category_id, row.urgency);
        let finish = row.finish_due.map(|due| (due, clocks.finish.unit));
        let accept = row.accept_due.map(|due| (due, clocks.accept.unit));
        let running = match row.state {
            TicketState::Dispatched => match (accept, finish) {
                (Some(a), Some(f)) => Some(if f.0 < a.0 { f } else { a }),
                (a, f) => a.or(f),
            },
            TicketState::InProgress
            | TicketState::ExtensionRequested
            | TicketState::ReturnRequested => finish,
            _ => None,
        };
        let Some((due, unit)) = running else { return RunningClock::default() };
        let now = self.now();
        let calendar = self.calendar();
        let status = if now >= due || row.overdue {
            DeadlineStatus::Overdue
        } else {
            let start = row.dispatched_at.unwrap_or(row.created_at);
            let warn =
                hotline_domain::sla::warning_at(start, due, self.config.tickets.warning_share_left);
            if now >= warn { DeadlineStatus::Warning } else { DeadlineStatus::Ok }
        };
        let counting = unit.counting();
        RunningClock {
            status,
            working_minutes_left: Some(calendar.working_minutes_between(now, due)),
            minutes_left: Some(minutes_left(counting, &calendar, now, due)),
            counting: Some(counting),
        }
    }

    pub(crate) fn facts(&self, row: &TicketRow, open_children: usize) -> TicketFacts {
        TicketFacts {
            state: row.state,
            holder: row.holder_org_id.map(hotline_domain::OrgId::from_uuid),
            dispatched_by_unit: row.dispatched_by_org_id.map(hotline_domain::OrgId::from_uuid),
            is_child: row.parent_id.is_some(),
            open_children,
            finish_due: row.finish_due,
            now: self.now(),
        }
    }

    fn ticket_ref(row: &TicketRow, orgs: &HashMap<Uuid, OrgRow>) -> TicketRef {
        TicketRef {
            id: row.id,
            number: row.number.clone(),
            state: row.state,
            holder_org: row.holder_org_id.and_then(|o| orgs.get(&o)).map(org_ref),
        }
    }

    pub(crate) async fn ticket_view(
        &self,
        principal: &Principal,
        row: TicketRow,
    ) -> Result<TicketView> {
        let db = self.store.reader();
        let related = Related {
            children: hotline_store::tickets::children(db, row.id).await?,
            merged: hotline_store::tickets::merged_into(db, row.id).await?,
            parent: match row.parent_id {
                Some(id) => hotline_store::tickets::find(db, id).await?,
                None => None,
            },
            master: match row.master_id {
                Some(id) => hotline_store::tickets::find(db, id).await?,
                None => None,
            },
            events: hotline_store::tickets::events(db, row.id).await?,
            contacts: hotline_store::tickets::contacts(db, row.id).await?,
            attachments: hotline_store::tickets::attachments(db, row.id).await?,
        };
        self.build_view(principal, row, related).await
    }

    /// The view from rows already at hand (a ticket just created needs no reads).
    pub(crate) async fn build_view(
        &self,
        principal: &Principal,
        row: TicketRow,
        related: Related,
    ) -> Result<TicketView> {
        let reference = self.reference().await?;
        let orgs = &reference.orgs;
        let Related { children, merged, parent, master, events, contacts, attachments } = related;
        let open_children = children.iter().filter(|c| !c.state.has_replied()).count();
        let allowed_actions =
            lifecycle::allowed_actions(&self.facts(&row, open_children), principal);
        let parent = parent.map(|p| Self::ticket_ref(&p, orgs));
        let master = master.map(|m| Self::ticket_ref(&m, orgs));
        let access = pii_access(principal, row.confidential);
        let caller = match access {
            PiiAccess::Plain => CallerView {
                name: self.reveal(row.caller_name_enc.as_deref())?,
                phone: self.reveal_phone(row.caller_phone_enc.as_deref())?,
                contact_phone: self.reveal_phone(row.contact_phone_enc.as_deref())?,
                access,
            },
            PiiAccess::Masked => CallerView {
                name: row.caller_name_masked.clone(),
                phone: row.caller_phone_masked.clone(),
                contact_phone: row.contact_phone_masked.clone(),
                access,
            },
            PiiAccess::Hidden => {
                CallerView { name: None, phone: None, contact_phone: None, access }
            }
        };
        let actors: Vec<Uuid> = events
            .iter()
            .filter_map(|e| e.actor_id.as_deref().and_then(|a| Uuid::parse_str(a).ok()))
            .collect();
        let names = hotline_store::users::display_names(self.store.reader(), &actors).await?;
        let timeline = events.into_iter().map(|e| event_view(e, orgs, &names)).collect();
        let contacts = contacts
            .into_iter()
            .map(|c| ContactView {
                id: c.id,
                channel: c.channel,
                received_at: c.received_at,
                text: c.raw_text,
            })
            .collect();
        let attachments = attachments
            .into_iter()
            .map(|a| AttachmentView {
                id: a.id,
                file_name: a.file_name,
                content_type: a.content_type,
                size_bytes: a.size_bytes,
                downloadable: a.sha256.is_some(),
                sha256: a.sha256,
                event_id: a.event_id,
                created_at: a.created_at,
            })
            .collect();
        let category = match row.category_id {
            Some(id) => self.category_ref(id).await?,
            None => None,
        };
        let clock = self.running_clock(&row, &reference);
        Ok(TicketView {
            id: row.id,
            number: row.number,
            state: row.state,
            handling_type: row.handling_type.map(|h| h.as_str().to_owned()),
            parent,
            master,
            caller,
            title: row.title,
            content: row.content,
            demand: row.demand,
            occurred_at: row.occurred_at,
            address: row.address,
            location: row
                .latitude
                .zip(row.longitude)
                .map(|(latitude, longitude)| Location { latitude, longitude }),
            category,
            appeal_type: row.appeal_type,
            urgency: row.urgency,
            channel: row.channel,
            confidential: row.confidential,
            emergency: row.emergency,
            region_org_id: row.region_org_id,
            region_org: row.region_org_id.and_then(|o| orgs.get(&o)).map(org_ref),
            callback_requirement: row.callback_requirement,
            holder_org: row.holder_org_id.and_then(|o| orgs.get(&o)).map(org_ref),
            dispatched_by_org: row.dispatched_by_org_id.and_then(|o| orgs.get(&o)).map(org_ref),
            excerpt: row.excerpt,
            notes: row.notes,
            reply_content: row.reply_content,
            close_reason: row.close_reason.map(|r| r.as_str().to_owned()),
            deadlines: Deadlines {
                accept_due: row.accept_due,
                response_due: row.response_due,
                finish_due: row.finish_due,
                original_finish_due: row.original_finish_due,
                accept_overdue: row.accept_overdue,
                response_overdue: row.response_overdue,
                overdue: row.overdue,
                status: clock.status,
                working_minutes_left: clock.working_minutes_left,
                minutes_left: clock.minutes_left,
                counting: clock.counting,
            },
            counters: Counters {
                urged: row.urged_count,
                supervision_level: row.supervision_level,
                instructions: row.instruction_count,
                reopened: row.reopened_count,
                returned: row.returned_count,
                callback_attempts: row.callback_attempts,
            },
            satisfaction: row.satisfaction,
            resolved: row.resolved,
            dispatched_at: row.dispatched_at,
            accepted_at: row.accepted_at,
            first_contact_at: row.first_contact_at,
            replied_at: row.replied_at,
            closed_at: row.closed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            allowed_actions,
            timeline,
            children: children.iter().map(|c| Self::ticket_ref(c, orgs)).collect(),
            merged: merged.iter().map(|m| Self::ticket_ref(m, orgs)).collect(),
            contacts,
            attachments,
        })
    }

    pub(crate) async fn summaries(
        &self,
        principal: &Principal,
        rows: Vec<TicketRow>,
    ) -> Result<Vec<TicketSummary>> {
        let reference = self.reference().await?;
        let orgs = &reference.orgs;
        let categories = &reference.categories;
        Ok(rows
            .into_iter()
            .map(|row| {
                let clock = self.running_clock(&row, &reference);
                let phone = match pii_access(principal, row.confidential) {
                    PiiAccess::Hidden => None,
                    PiiAccess::Plain | PiiAccess::Masked => row.caller_phone_masked.clone(),
                };
                TicketSummary {
                    id: row.id,
                    state: row.state,
                    number: row.number,
                    title: row.title,
                    category_name: row
                        .category_id
                        .and_then(|c| categories.get(&c))
                        .map(|c| c.name.clone()),
                    appeal_type: row.appeal_type,
                    urgency: row.urgency,
                    channel: row.channel,
                    caller_phone: phone,
                    region_org_id: row.region_org_id,
                    callback_requirement: row.callback_requirement,
                    holder_org: row.holder_org_id.and_then(|o| orgs.get(&o)).map(org_ref),
                    parent_id: row.parent_id,
                    emergency: row.emergency,
                    excerpted: row.excerpt.is_some(),
                    overdue: row.overdue,
                    urged_count: row.urged_count,
                    supervision_level: row.supervision_level,
                    instruction_count: row.instruction_count,
                    accept_due: row.accept_due,
                    finish_due: row.finish_due,
                    deadline_status: clock.status,
                    working_minutes_left: clock.working_minutes_left,
                    minutes_left: clock.minutes_left,
                    counting: clock.counting,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                }
            })
            .collect())
    }
}

fn event_view(
    e: TicketEventRow,
    orgs: &HashMap<Uuid, OrgRow>,
    names: &HashMap<Uuid, String>,
) -> EventView {
    let actor_display_name =
        e.actor_id.as_deref().and_then(|a| Uuid::parse_str(a).ok()).and_then(|id| names.get(&id));
    EventView {
        id: e.id,
        at: e.at,
        action: e.action,
        actor_display_name: actor_display_name.cloned(),
        actor_name: e.actor_name,
        actor_org: e.actor_org_id.and_then(|o| orgs.get(&o)).map(org_ref),
        from_state: e.from_state.map(|s| s.as_str().to_owned()),
        to_state: e.to_state.map(|s| s.as_str().to_owned()),
        org: e.org_id.and_then(|o| orgs.get(&o)).map(org_ref),
        opinion: e.opinion,
        detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
    }
}
