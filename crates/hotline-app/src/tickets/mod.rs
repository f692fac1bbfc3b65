//! Work orders: intake, reading, work lists. Actions live in `actions`, deadline timers in
//! `timers`, caller history in `callers`.

mod access;
mod actions;
pub mod attachments;
pub mod callers;
pub mod corrections;
pub(crate) mod outbox;
pub mod phrases;
mod timers;
pub(crate) mod views;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::conflict::Conflict;
use hotline_domain::phone::{PhoneNumber, mask_name};
use hotline_domain::role::{Permission, Principal, Scope};
use hotline_domain::ticket::{
    Action, AppealType, CallbackRequirement, Channel, Labelled as _, TicketState, Urgency,
    ticket_number,
};
use hotline_domain::validation::bounded_text;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId, TicketId};
use hotline_store::WriteTx;
use hotline_store::tickets::{
    AttachmentRow, ContactRow, IdempotencyRow, TicketEventRow, TicketFilter, TicketRow, TicketSort,
};

pub(crate) use actions::{event_row, record_event};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

pub(crate) use access::RecentReads;
pub use access::{AccessKind, AccessQuery, RevealContact, RevealedContact, TicketAccess};
pub use actions::{ActionInput, BatchAssign, BatchResult};
pub use attachments::{AttachmentInput, FileContent, UploadQuery, UploadedFile};
pub use views::{DeadlineStatus, OrgRef, TicketSummary, TicketView};

use crate::identity::orgs::path_of;
use crate::paging::{ListFormat, PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

/// Intake: the 五要素 (who, when, where, what, how) and the classification.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// Who: the caller's number and name (both optional for anonymous web appeals).
    pub caller_phone: Option<String>,
    pub caller_name: Option<String>,
    /// What.
    pub title: String,
    pub content: String,
    /// How: what the citizen asks for (诉求).
    pub demand: Option<String>,
    /// When it happened.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Where.
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The district or street (所属区域); found from the address when not given.
    pub region_org_id: Option<OrgId>,
    pub category_id: Option<Uuid>,
    #[schema(value_type = hotline_domain::ticket::AppealType)]
    pub appeal_type: String,
    #[schema(value_type = hotline_domain::ticket::Urgency)]
    pub urgency: String,
    #[schema(value_type = hotline_domain::ticket::Channel)]
    pub channel: String,
    #[serde(default)]
    pub confidential: bool,
    /// 联系电话: the number to reach the citizen on, when it is not the calling number.
    pub contact_phone: Option<String>,
    /// 回访要求; `required` when not given.
    #[schema(value_type = Option<hotline_domain::ticket::CallbackRequirement>)]
    pub callback_requirement: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    /// Save without registering (待登记).
    #[serde(default)]
    pub draft: bool,
    /// Register and handle at once, as the agent does at first contact: 直接答复, 联系, 拟摘,
    /// 转办, 交办, 紧急处理 or 不处理, with the body that action takes. Both happen or neither.
    pub handling: Option<IntakeHandling>,
}

/// An intake action taken as the ticket is registered.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct IntakeHandling {
    /// One of `answer`, `liaise`, `excerpt`, `transfer`, `assign`, `emergency`, `dispatch`,
    /// `dismiss`.
    #[schema(value_type = hotline_domain::ticket::Action)]
    pub action: String,
    #[serde(flatten)]
    pub input: ActionInput,
}

/// By hand: serde does not refuse unknown fields of a flattened struct, and a misspelt field
/// must not be dropped silently.
impl<'de> Deserialize<'de> for IntakeHandling {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut fields = serde_json::Map::deserialize(deserializer)?;
        let action = match fields.remove("action") {
            Some(serde_json::Value::String(action)) => action,
            Some(_) => return Err(D::Error::custom("handling.action must be a string")),
            None => return Err(D::Error::missing_field("action")),
        };
        let input = ActionInput::deserialize(serde_json::Value::Object(fields))
            .map_err(|e| D::Error::custom(format!("handling: {e}")))?;
        Ok(Self { action, input })
    }
}

/// The actions that can be taken in the same request that registers the ticket.
const INTAKE_HANDLING: [Action; 8] = [
    Action::Answer,
    Action::Liaise,
    Action::Excerpt,
    Action::Transfer,
    Action::Assign,
    Action::Emergency,
    Action::Dispatch,
    Action::Dismiss,
];

/// Work-list filters: `GET /tickets?view=inbox&state=…`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    #[param(value_type = Option<String>, pattern = "^(my_drafts|to_dispatch|inbox|inbox_to_accept|inbox_in_progress|inbox_returned|inbox_overdue|to_decide|to_review|to_callback)$")]
    pub view: Option<String>,
    /// One state or several, comma-separated.
    pub state: Option<String>,
    /// This category and its descendants.
    pub category_id: Option<Uuid>,
    /// Held by this org or one below it.
    pub org_id: Option<OrgId>,
    #[param(value_type = Option<hotline_domain::ticket::Channel>)]
    pub channel: Option<String>,
    #[param(value_type = Option<hotline_domain::ticket::Urgency>)]
    pub urgency: Option<String>,
    #[param(value_type = Option<hotline_domain::ticket::AppealType>)]
    pub appeal_type: Option<String>,
    pub overdue: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub caller_phone: Option<String>,
    /// Text in the title.
    pub q: Option<String>,
    /// The exact ticket number.
    pub number: Option<String>,
    /// `newest` (default), `oldest`, `finish_due`, `updated`.
    #[param(value_type = Option<String>, pattern = "^(newest|oldest|finish_due|updated)$")]
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    /// `xlsx`: every matching ticket (up to the export limit) as a spreadsheet, audited as an
    /// export; `page` and `per_page` are then ignored.
    #[param(inline)]
    pub format: Option<ListFormat>,
}

/// The work lists of each role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    MyDrafts,
    ToDispatch,
    Inbox,
    InboxToAccept,
    InboxInProgress,
    InboxReturned,
    InboxOverdue,
    ToDecide,
    ToReview,
    ToCallback,
}

impl View {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "my_drafts" => Self::MyDrafts,
            "to_dispatch" => Self::ToDispatch,
            "inbox" => Self::Inbox,
            "inbox_to_accept" => Self::InboxToAccept,
            "inbox_in_progress" => Self::InboxInProgress,
            "inbox_returned" => Self::InboxReturned,
            "inbox_overdue" => Self::InboxOverdue,
            "to_decide" => Self::ToDecide,
            "to_review" => Self::ToReview,
            "to_callback" => Self::ToCallback,
            _ => return None,
        })
    }
}

/// How much of the caller's identity a principal sees on a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiAccess {
    Plain,
    Masked,
    Hidden,
}

pub(crate) fn pii_access(principal: &Principal, confidential: bool) -> PiiAccess {
    match principal.scope_for(Permission::TicketRead) {
        Some(Scope::City) => PiiAccess::Plain,
        _ if confidential => PiiAccess::Hidden,
        _ => PiiAccess::Masked,
    }
}

/// Where a unit principal may look: tickets held in its subtree.
pub(crate) fn holder_prefixes(scope: &Scope) -> Vec<String> {
    match scope {
        Scope::City => Vec::new(),
        Scope::Subtree(path) => vec![path.as_str().to_owned()],
    }
}

/// An `Idempotency-Key` header: short, printable ASCII.
/// What registering a ticket writes, prepared before the write transaction so that the
/// transaction (shared with other requests on SQLite) only runs statements.
struct TicketWrite {
    /// Without its number, which the day's counter gives inside the transaction.
    row: TicketRow,
    day: String,
    local_day: NaiveDate,
    state: TicketState,
    raw_text: String,
    phone_enc: Option<String>,
    attachments: Vec<AttachmentInput>,
    idempotency: Option<IdempotencyRow>,
}

struct Written {
    row: TicketRow,
    contact: ContactRow,
    attachments: Vec<AttachmentRow>,
    event: TicketEventRow,
    /// An intake action was taken in the same write.
    handled: bool,
}

impl TicketWrite {
    async fn apply(
        self,
        ctx: &Ctx,
        tx: &WriteTx<'_>,
    ) -> std::result::Result<Written, WriteFailure> {
        let Self { mut row, day, local_day, state, raw_text, phone_enc, attachments, idempotency } =
            self;
        let (id, now) = (row.id, row.created_at);
        let seq = hotline_store::tickets::next_number(&**tx, &day).await?;
        row.number = ticket_number(local_day, seq);
        let contact = ContactRow {
            id: Uuid::now_v7(),
            ticket_id: Some(id),
            channel: row.channel,
            received_at: now,
            caller_phone_enc: phone_enc,
            caller_phone_idx: row.caller_phone_idx.clone(),
            raw_text,
            created_by: row.created_by,
            created_at: now,
        };
        let attachments = attachments::attachment_rows(&attachments, id, None, row.created_by, now);
        let event = event_row(
            ctx,
            &row,
            "create",
            None,
            Some(state),
            None,
            None,
            json!({"channel": row.channel}),
            now,
        );
        // A new ticket has no holder yet: it concerns the org that registered it.
        let creator_org = ctx.principal.as_ref().map(|p| p.org_id.as_uuid());
        let outbox = outbox::event_for("ticket.created", &row, &[creator_org], json!({}), now);
        let rows = hotline_store::tickets::NewTicketRows {
            ticket: row.clone(),
            contact: contact.clone(),
            attachments: attachments.clone(),
            event: event.clone(),
            outbox,
            idempotency,
        };
        hotline_store::tickets::insert_new(&**tx, rows).await.map_err(WriteFailure::from_insert)?;
        tx.audit([ctx.record(
            AuditEntry::new(AuditAction::TicketCreate).subject("ticket", id).detail(json!({
                "number": row.number, "state": row.state, "channel": row.channel, "category_id": row.category_id,
            })),
            now,
        )]);
        Ok(Written { row, contact, attachments, event, handled: false })
    }
}

/// Why a ticket write with an idempotency key did not happen.
pub(crate) enum WriteFailure {
    /// Another request with the same idempotency key committed first.
    KeyRaced,
    Failed(Error),
}

impl WriteFailure {
    /// A write that saved an idempotency record failed: a race when the key is taken.
    pub(crate) fn from_insert(e: sea_orm::DbErr) -> Self {
        if hotline_store::tickets::is_idempotency_race(&e) {
            Self::KeyRaced
        } else {
            Self::Failed(e.into())
        }
    }
}

impl From<Error> for WriteFailure {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

impl From<sea_orm::DbErr> for WriteFailure {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Failed(e.into())
    }
}

pub(crate) fn checked_key(raw: &str) -> Result<String> {
    let k = raw.trim();
    if k.is_empty() || k.len() > 128 || !k.chars().all(|c| c.is_ascii_graphic()) {
        return Err(FieldError::new("Idempotency-Key", FieldIssue::InvalidFormat).into());
    }
    Ok(k.to_owned())
}

pub(crate) fn actor_key(principal: &Principal) -> String {
    match principal.actor {
        hotline_domain::role::Actor::User(id) => id.to_string(),
        hotline_domain::role::Actor::Token(id) => id.to_string(),
        hotline_domain::role::Actor::Peer(id) => format!("peer:{id}"),
        hotline_domain::role::Actor::System => "system".to_owned(),
    }
}

impl App {
    /// Registers an appeal as a ticket (or a draft). With an idempotency key, a retry returns
    /// the ticket the first request created; `created` tells which happened.
    pub async fn create_ticket(
        &self,
        ctx: &Ctx,
        input: NewTicket,
        idempotency_key: Option<&str>,
    ) -> Result<(TicketView, bool)> {
        let (principal, _) = self.authorize(ctx, Permission::TicketCreate, None).await?;
        let request_hash =
            hex::encode(Sha256::digest(serde_json::to_vec(&input).unwrap_or_default()));
        let key = idempotency_key.map(checked_key).transpose()?;
        let handling = match &input.handling {
            Some(h) => {
                let action = Action::parse(&h.action)
                    .filter(|a| INTAKE_HANDLING.contains(a))
                    .ok_or_else(|| FieldError::new("handling.action", FieldIssue::InvalidValue))?;
                if input.draft {
                    return Err(FieldError::new("handling", FieldIssue::NotAllowed)
                        .with_detail("a draft is registered before it is handled")
                        .into());
                }
                Some((action, h.input.clone(), actions::Acting::new(ctx, &principal, self).await?))
            }
            None => None,
        };
        // A key is checked by the write itself (its unique index), so a new request reads
        // nothing for it; a retry is answered from the first request's ticket — even when
        // reference data has changed since and the input would no longer pass.
        let valid = match self.validate_new_ticket(&input).await {
            Ok(valid) => valid,
            Err(e) => {
                if let Some(key) = &key
                    && let Some(existing) = self.replay(&principal, key, &request_hash).await?
                {
                    return Ok((self.ticket_view(&principal, existing).await?, false));
                }
                return Err(e);
            }
        };
        let now = self.now();
        let calendar = self.calendar();
        let day = calendar.local_date(now).format("%Y%m%d").to_string();
        let id = Uuid::now_v7();
        let state = if input.draft { TicketState::Draft } else { TicketState::Registered };
        let mut row = TicketRow {
            id,
            // Taken from the day's counter inside the write transaction.
            number: String::new(),
            parent_id: None,
            master_id: None,
            state,
            handling_type: None,
            // The intake fields are set from the checked input just below.
            caller_name_enc: None,
            caller_name_masked: None,
            caller_phone_enc: None,
            caller_phone_idx: None,
            caller_phone_masked: None,
            title: String::new(),
            content: String::new(),
            demand: None,
            occurred_at: None,
            address: None,
            latitude: None,
            longitude: None,
            category_id: None,
            appeal_type: valid.appeal_type,
            urgency: valid.urgency,
            channel: valid.channel,
            confidential: false,
            emergency: false,
            region_org_id: None,
            callback_requirement: valid.callback_requirement,
            contact_phone_enc: None,
            contact_phone_masked: None,
            holder_org_id: None,
            dispatched_by_org_id: None,
            excerpt: None,
            notes: None,
            reply_content: None,
            close_reason: None,
            accept_due: None,
            response_due: None,
            finish_due: None,
            original_finish_due: None,
            dispatched_at: None,
            accepted_at: None,
            first_contact_at: None,
            replied_at: None,
            closed_at: None,
            overdue: false,
            accept_overdue: false,
            response_overdue: false,
            urged_count: 0,
            instruction_count: 0,
            supervision_level: 0,
            reopened_count: 0,
            returned_count: 0,
            callback_attempts: 0,
            satisfaction: None,
            resolved: None,
            created_by: principal.user_id().map(|u| u.as_uuid()),
            created_at: now,
            updated_at: now,
            version: 0,
        };
        self.set_intake_fields(&mut row, valid, &input)?;
        let write = TicketWrite {
            day,
            local_day: calendar.local_date(now),
            state,
            raw_text: row.content.clone(),
            phone_enc: row.caller_phone_enc.clone(),
            attachments: input.attachments,
            idempotency: key.as_ref().map(|key| IdempotencyRow {
                actor_id: actor_key(&principal),
                key: key.clone(),
                ticket_id: id,
                request_hash: request_hash.clone(),
                created_at: now,
            }),
            row,
        };
        let (job_ctx, app) = (ctx.clone(), self.clone());
        let created = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let mut written = write.apply(&job_ctx, tx).await?;
                    if let Some((action, input, acting)) = handling {
                        // Intake's handling types tell no unit beyond the holder.
                        let applied =
                            app.apply(tx, &acting, action, written.row, &input, None).await?;
                        tx.audit([applied.audit]);
                        written.row = applied.row;
                        written.handled = true;
                    }
                    Ok(written)
                })
            })
            .await;
        let Written { row, contact, attachments, event, handled } = match created {
            Ok(written) => written,
            Err(WriteFailure::KeyRaced) => {
                let key = key.as_deref().unwrap_or_default();
                return match self.replay(&principal, key, &request_hash).await? {
                    Some(existing) => Ok((self.ticket_view(&principal, existing).await?, false)),
                    None => Err(Error::conflict(Conflict::ConcurrentUpdate)),
                };
            }
            Err(WriteFailure::Failed(e)) => return Err(e),
        };
        self.publish(crate::events::LiveEvent::ticket(&row, "create"));
        if handled {
            return Ok((self.ticket_view(&principal, row).await?, true));
        }
        let related = views::Related {
            events: vec![event],
            contacts: vec![contact],
            attachments,
            ..Default::default()
        };
        Ok((self.build_view(&principal, row, related).await?, true))
    }

    /// The ticket a previous request with this key created, if any.
    pub(crate) async fn replay(
        &self,
        principal: &Principal,
        key: &str,
        request_hash: &str,
    ) -> Result<Option<TicketRow>> {
        let db = self.store.reader();
        let Some(saved) =
            hotline_store::tickets::find_idempotency(db, &actor_key(principal), key).await?
        else {
            return Ok(None);
        };
        if saved.request_hash != request_hash {
            return Err(Error::Conflict {
                code: Conflict::IdempotencyKeyReused,
                fields: vec![
                    FieldError::new("Idempotency-Key", FieldIssue::AlreadyExists)
                        .with_detail("this key was used for a different request"),
                ],
            });
        }
        Ok(hotline_store::tickets::find(db, saved.ticket_id).await?)
    }

    async fn validate_new_ticket(&self, input: &NewTicket) -> Result<ValidTicket> {
        let mut errors = FieldErrors::new();
        let channel = errors.take(Channel::parse_input(&input.channel));
        let phone = match input.caller_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(raw) => {
                errors.take(PhoneNumber::parse(raw, &self.config.tickets.default_area_code))
            }
            None => {
                if matches!(channel, Some(Channel::Phone | Channel::Sms)) {
                    errors.push(FieldError::new("caller_phone", FieldIssue::Required));
                }
                None
            }
        };
        let caller_name =
            optional_text(&mut errors, "caller_name", input.caller_name.as_deref(), 50);
        let title = errors.take(bounded_text("title", &input.title, 1, 200));
        let content = errors.take(bounded_text_multiline("content", &input.content, 1, 10_000));
        let demand = optional_text_multiline(&mut errors, "demand", input.demand.as_deref(), 2_000);
        let address = optional_text(&mut errors, "address", input.address.as_deref(), 255);
        let notes = optional_text_multiline(&mut errors, "notes", input.notes.as_deref(), 2_000);
        let appeal_type = errors.take(AppealType::parse_input(&input.appeal_type));
        let urgency = errors.take(Urgency::parse_input(&input.urgency));
        match (input.latitude, input.longitude) {
            (None, None) => {}
            (Some(lat), Some(lng)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    errors.push(FieldError::new("latitude", FieldIssue::InvalidValue));
                }
                if !(-180.0..=180.0).contains(&lng) {
                    errors.push(FieldError::new("longitude", FieldIssue::InvalidValue));
                }
            }
            (None, Some(_)) => errors.push(FieldError::new("latitude", FieldIssue::Required)),
            (Some(_), None) => errors.push(FieldError::new("longitude", FieldIssue::Required)),
        }
        if input.occurred_at.is_some_and(|t| t > self.now() + Duration::days(1)) {
            errors.push(
                FieldError::new("occurred_at", FieldIssue::InvalidValue)
                    .with_detail("in the future"),
            );
        }
        let reference = self.reference().await?;
        match input.category_id {
            Some(id) => match reference.categories.get(&id) {
                None => errors.push(FieldError::new("category_id", FieldIssue::NotFound)),
                Some(c) if !c.active => {
                    errors.push(FieldError::new("category_id", FieldIssue::Inactive))
                }
                Some(_) => {}
            },
            None if !input.draft => {
                errors.push(FieldError::new("category_id", FieldIssue::Required))
            }
            None => {}
        }
        let region_org_id = match input.region_org_id {
            Some(region) => match reference.orgs.get(&region.as_uuid()) {
                None => {
                    errors.push(FieldError::new("region_org_id", FieldIssue::NotFound));
                    None
                }
                Some(o) if !o.active => {
                    errors.push(FieldError::new("region_org_id", FieldIssue::Inactive));
                    None
                }
                Some(o) => Some(o.id),
            },
            None => address.as_deref().and_then(|a| reference.region_in(a)).map(|o| o.id),
        };
        let contact_phone =
            input.contact_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).and_then(
                |raw| {
                    errors.take(
                        PhoneNumber::parse(raw, &self.config.tickets.default_area_code)
                            .map_err(|e| e.renamed("contact_phone")),
                    )
                },
            );
        let callback_requirement = match input.callback_requirement.as_deref() {
            None => Some(CallbackRequirement::Required),
            Some(raw) => errors.take(CallbackRequirement::parse_input(raw)),
        };
        attachments::check_attachments(&mut errors, "attachments", &input.attachments);
        errors.into_result()?;
        match (title, content, appeal_type, urgency, channel) {
            (Some(title), Some(content), Some(appeal_type), Some(urgency), Some(channel)) => {
                Ok(ValidTicket {
                    phone,
                    contact_phone,
                    caller_name,
                    title,
                    content,
                    demand,
                    address,
                    notes,
                    appeal_type,
                    urgency,
                    channel,
                    region_org_id,
                    callback_requirement: callback_requirement
                        .unwrap_or(CallbackRequirement::Required),
                })
            }
            _ => Err(Error::Internal(anyhow::anyhow!("validated fields missing"))),
        }
    }

    /// One ticket with its timeline and what the caller may do next. The read is audited.
    /// The ticket for the caller. Opening it is audited; `refresh` (the console reloading an
    /// open ticket by itself) is audited only when the caller's last audited read of it is
    /// older than half an hour.
    pub async fn get_ticket(&self, ctx: &Ctx, id: TicketId, refresh: bool) -> Result<TicketView> {
        let row = hotline_store::tickets::find(self.store.reader(), id.as_uuid())
            .await?
            .ok_or(Error::NotFound("ticket"))?;
        let principal = self.authorize_ticket_read(ctx, &row).await?;
        let view = self.ticket_view(&principal, row).await?;
        if !self.recent_reads.audits(&actor_key(&principal), id.as_uuid(), refresh, self.now()) {
            return Ok(view);
        }
        self.audit_now(vec![
            ctx.record(
                AuditEntry::new(AuditAction::TicketRead)
                    .subject("ticket", id)
                    .detail(json!({"number": view.number, "personal_data": view.caller.access})),
                self.now(),
            ),
        ])
        .await?;
        Ok(view)
    }

    /// Ticket read access: the city for center roles, the holder's subtree for units.
    pub(crate) async fn authorize_ticket_read(
        &self,
        ctx: &Ctx,
        row: &TicketRow,
    ) -> Result<Principal> {
        let holder_path = match row.holder_org_id {
            Some(org) => {
                hotline_store::orgs::find(self.store.reader(), org).await?.map(|o| path_of(&o))
            }
            None => None,
        };
        let principal = ctx.principal.as_ref().ok_or(Error::Unauthenticated)?;
        let target = match (principal.scope_for(Permission::TicketRead), &holder_path) {
            // A unit may not see a ticket that no unit holds; name an org outside every subtree.
            (Some(Scope::Subtree(_)), None) => {
                Some(hotline_domain::org::OrgPath::from_stored("/-/".to_owned()))
            }
            _ => holder_path,
        };
        self.authorize(ctx, Permission::TicketRead, target.as_ref()).await.map(|(p, _)| p)
    }

    /// The store filter for a work-list query, checked against the caller's scope.
    pub(crate) async fn ticket_filter(
        &self,
        ctx: &Ctx,
        principal: &Principal,
        scope: &Scope,
        query: &TicketQuery,
    ) -> Result<(TicketFilter, TicketSort, hotline_store::PageRequest)> {
        let mut errors = FieldErrors::new();
        let paging = Paging { page: query.page, per_page: query.per_page };
        let page = errors.take(query.format.unwrap_or_default().page(paging));
        let view = query
            .view
            .as_deref()
            .map(|v| {
                View::parse(v).ok_or_else(|| FieldError::new("view", FieldIssue::InvalidValue))
            })
            .and_then(|r| errors.take(r));
        let mut filter = TicketFilter {
            holder_path_prefixes: holder_prefixes(scope),
            ..TicketFilter::default()
        };
        if let Some(raw) = &query.state {
            for s in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match TicketState::parse(s) {
                    Some(state) => filter.states.push(state),
                    None => errors.push(
                        FieldError::new("state", FieldIssue::InvalidValue)
                            .with_detail(s.to_owned()),
                    ),
                }
            }
        }
        filter.channel =
            query.channel.as_deref().map(Channel::parse_input).and_then(|r| errors.take(r));
        filter.urgency =
            query.urgency.as_deref().map(Urgency::parse_input).and_then(|r| errors.take(r));
        filter.appeal_type =
            query.appeal_type.as_deref().map(AppealType::parse_input).and_then(|r| errors.take(r));
        filter.overdue = query.overdue;
        filter.created_from = query.from;
        filter.created_to = query.to;
        filter.numbers = query
            .number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .into_iter()
            .collect();
        filter.title_contains =
            query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned);
        if let (Some(from), Some(to)) = (query.from, query.to)
            && from > to
        {
            errors.push(
                FieldError::new("to", FieldIssue::InvalidValue).with_detail("to is before from"),
            );
        }
        // Units see numbers masked: a filter by number would let them confirm a guess.
        if query.caller_phone.is_some() && !matches!(scope, Scope::City) {
            return Err(self.deny(ctx, json!({ "filter": "caller_phone" })).await);
        }
        if let Some(raw) = &query.caller_phone
            && let Some(phone) =
                errors.take(PhoneNumber::parse(raw, &self.config.tickets.default_area_code))
        {
            filter.caller_phone_idx = Some(self.data_key.blind_index(phone.as_e164()));
        }
        let sort = match query.sort.as_deref() {
            None | Some("newest") => TicketSort::Newest,
            Some("oldest") => TicketSort::Oldest,
            Some("finish_due") => TicketSort::FinishDue,
            Some("updated") => TicketSort::RecentlyUpdated,
            Some(_) => {
                errors.push(FieldError::new("sort", FieldIssue::InvalidValue));
                TicketSort::Newest
            }
        };
        let db = self.store.reader();
        if let Some(category) = query.category_id {
            match hotline_store::reference::find_category(db, category).await? {
                Some(c) => filter.category_path_prefix = Some(c.path),
                None => errors.push(FieldError::new("category_id", FieldIssue::NotFound)),
            }
        }
        errors.into_result()?;
        let page = page.ok_or_else(|| Error::Internal(anyhow::anyhow!("paging missing")))?;
        if let Some(org) = query.org_id {
            let org = hotline_store::orgs::find(db, org.as_uuid())
                .await?
                .ok_or_else(|| Error::from(FieldError::new("org_id", FieldIssue::NotFound)))?;
            let path = path_of(&org);
            if !scope.contains(&path) {
                self.authorize(ctx, Permission::TicketRead, Some(&path)).await?;
            }
            filter.holder_path_prefixes = vec![path.as_str().to_owned()];
        }
        let own_org = Some(principal.org_id.as_uuid());
        let unit = matches!(scope, Scope::Subtree(_));
        match view {
            None => {}
            Some(View::MyDrafts) => {
                filter.states = [TicketState::Draft].to_vec();
                filter.created_by = Some(principal.user_id().map_or(Uuid::nil(), |u| u.as_uuid()));
            }
            Some(View::ToDispatch) => filter.states = [TicketState::Registered].to_vec(),
            Some(View::Inbox) => {
                filter.holder_org_id = own_org;
                filter.states = [
                    TicketState::Dispatched,
                    TicketState::InProgress,
                    TicketState::ExtensionRequested,
                    TicketState::ReturnRequested,
                ]
                .to_vec();
            }
            Some(View::InboxToAccept) => {
                filter.holder_org_id = own_org;
                filter.states = [TicketState::Dispatched].to_vec();
            }
            Some(View::InboxInProgress) => {
                filter.holder_org_id = own_org;
                filter.states = [TicketState::InProgress, TicketState::ExtensionRequested].to_vec();
            }
            Some(View::InboxReturned) => {
                filter.holder_org_id = own_org;
                filter.states = [TicketState::ReturnRequested].to_vec();
            }
            Some(View::InboxOverdue) => {
                filter.holder_org_id = own_org;
                filter.overdue = Some(true);
                filter.states = [
                    TicketState::Dispatched,
                    TicketState::InProgress,
                    TicketState::ExtensionRequested,
                    TicketState::ReturnRequested,
                ]
                .to_vec();
            }
            Some(View::ToDecide) => {
                if unit {
                    filter.dispatched_by_org_id = own_org;
                    filter.states = [TicketState::ReturnRequested].to_vec();
                } else {
                    filter.states =
                        [TicketState::ReturnRequested, TicketState::ExtensionRequested].to_vec();
                }
            }
            // A unit reviews the replies of the sub-units it re-dispatched to; the center, those
            // of the units it dispatched to.
            Some(View::ToReview) => {
                filter.states = [TicketState::ReplySubmitted].to_vec();
                if unit {
                    filter.dispatched_by_org_id = own_org;
                } else {
                    filter.dispatched_by_center = true;
                }
            }
            Some(View::ToCallback) => filter.states = [TicketState::AwaitingCallback].to_vec(),
        }
        // Every scope holds the caller's own org, so a view pinned to it needs no subtree test
        // on top (unless an org filter asked for one). On SQLite the test was most of an inbox
        // page's cost at 1M tickets: 1.3 of the count's 1.6 ms.
        if filter.holder_org_id == own_org && query.org_id.is_none() {
            filter.holder_path_prefixes.clear();
        }
        Ok((filter, sort, page))
    }

    /// How many tickets wait in each work list the caller has, for the menu badges.
    pub async fn ticket_counts(
        &self,
        ctx: &Ctx,
    ) -> Result<std::collections::BTreeMap<&'static str, u64>> {
        let (principal, scope) = self.authorize(ctx, Permission::TicketRead, None).await?;
        let has = |p: Permission| principal.scope_for(p).is_some();
        let mut views: Vec<&'static str> = Vec::new();
        if has(Permission::TicketCreate) {
            views.push("my_drafts");
        }
        if has(Permission::TicketDispatch) {
            views.push("to_dispatch");
        }
        if has(Permission::TicketHandle) {
            views.extend([
                "inbox_to_accept",
                "inbox_in_progress",
                "inbox_returned",
                "inbox_overdue",
                "to_decide",
                "to_review",
            ]);
        }
        if has(Permission::TicketDecide) && !views.contains(&"to_decide") {
            views.push("to_decide");
        }
        if has(Permission::TicketReview) && !views.contains(&"to_review") {
            views.push("to_review");
        }
        if has(Permission::TicketCallback) {
            views.push("to_callback");
        }
        let mut counts = std::collections::BTreeMap::new();
        for view in views {
            let query = TicketQuery {
                view: Some(view.to_owned()),
                per_page: Some(1),
                ..TicketQuery::default()
            };
            let (filter, sort, page) = self.ticket_filter(ctx, &principal, &scope, &query).await?;
            counts.insert(
                view,
                hotline_store::tickets::list(self.store.reader(), &filter, sort, page).await?.total,
            );
        }
        Ok(counts)
    }

    pub async fn list_tickets(
        &self,
        ctx: &Ctx,
        query: TicketQuery,
    ) -> Result<PageOf<TicketSummary>> {
        let (principal, scope) = self.authorize(ctx, Permission::TicketRead, None).await?;
        let (filter, sort, page) = self.ticket_filter(ctx, &principal, &scope, &query).await?;
        let db = self.store.reader();
        let result = hotline_store::tickets::list(db, &filter, sort, page).await?;
        let format = query.format.unwrap_or_default();
        format.check_fits(result.items.len())?;
        let action = match format {
            ListFormat::Json => AuditAction::TicketList,
            ListFormat::Xlsx | ListFormat::Csv => AuditAction::TicketExport,
        };
        self.audit_now(vec![ctx.record(
            AuditEntry::new(action).detail(json!({
                "view": query.view, "state": query.state, "category_id": query.category_id, "org_id": query.org_id,
                "by_caller": query.caller_phone.is_some(), "q": filter.title_contains, "page": page.page,
                "returned": result.items.len(),
            })),
            self.now(),
        )])
        .await?;
        let items = self.summaries(&principal, result.items).await?;
        let mut out = PageOf::new(items, result.total, page);
        out.total_capped = !result.exact;
        Ok(out)
    }

    /// Sets what intake records (the 五要素 and the classification) from checked input, sealing
    /// and masking the personal fields. Shared by registering and by corrections.
    fn set_intake_fields(
        &self,
        row: &mut TicketRow,
        valid: ValidTicket,
        input: &NewTicket,
    ) -> Result<()> {
        let seal = |p: &PhoneNumber| self.data_key.encrypt(p.as_e164());
        row.caller_name_enc =
            valid.caller_name.as_deref().map(|n| self.data_key.encrypt(n)).transpose()?;
        row.caller_name_masked = valid.caller_name.as_deref().map(mask_name);
        row.caller_phone_enc = valid.phone.as_ref().map(seal).transpose()?;
        row.caller_phone_idx = valid.phone.as_ref().map(|p| self.data_key.blind_index(p.as_e164()));
        row.caller_phone_masked = valid.phone.as_ref().map(PhoneNumber::masked);
        row.contact_phone_enc = valid.contact_phone.as_ref().map(seal).transpose()?;
        row.contact_phone_masked = valid.contact_phone.as_ref().map(PhoneNumber::masked);
        row.title = valid.title;
        row.content = valid.content;
        row.demand = valid.demand;
        row.occurred_at = input.occurred_at;
        row.address = valid.address;
        row.latitude = input.latitude;
        row.longitude = input.longitude;
        row.category_id = input.category_id;
        row.appeal_type = valid.appeal_type;
        row.urgency = valid.urgency;
        row.channel = valid.channel;
        row.confidential = input.confidential;
        row.region_org_id = valid.region_org_id;
        row.callback_requirement = valid.callback_requirement;
        row.notes = valid.notes;
        Ok(())
    }

    /// Decrypts a stored personal field for someone allowed to see it.
    pub(crate) fn reveal(&self, sealed: Option<&str>) -> Result<Option<String>> {
        sealed.map(|s| self.data_key.decrypt(s).map_err(Error::from)).transpose()
    }

    /// A stored phone number as people dial it (`13912345678`, `010-…` for landlines).
    pub(crate) fn reveal_phone(&self, sealed: Option<&str>) -> Result<Option<String>> {
        Ok(self.reveal(sealed)?.map(|p| PhoneNumber::parse(&p, "10").map_or(p, |n| n.national())))
    }
}

struct ValidTicket {
    phone: Option<PhoneNumber>,
    caller_name: Option<String>,
    title: String,
    content: String,
    demand: Option<String>,
    address: Option<String>,
    notes: Option<String>,
    appeal_type: AppealType,
    urgency: Urgency,
    channel: Channel,
    region_org_id: Option<Uuid>,
    contact_phone: Option<PhoneNumber>,
    callback_requirement: CallbackRequirement,
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    let raw = raw.map(str::trim).filter(|v| !v.is_empty())?;
    errors.take(bounded_text(field, raw, 1, max))
}

/// Like [`bounded_text`], but line breaks and tabs are fine (appeal texts have paragraphs).
pub(crate) fn bounded_text_multiline(
    field: &str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, FieldError> {
    let flattened: String =
        raw.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    bounded_text(field, &flattened, min, max)?;
    Ok(raw.trim().to_owned())
}

pub(crate) fn optional_text_multiline(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    let raw = raw.map(str::trim).filter(|v| !v.is_empty())?;
    errors.take(bounded_text_multiline(field, raw, 1, max))
}
