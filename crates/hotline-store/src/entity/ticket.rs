use hotline_domain::ticket::decisions::CloseReason;
use hotline_domain::ticket::{
    AppealType, CallbackRequirement, Channel, HandlingType, Satisfaction, TicketState, Urgency,
};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub number: String,
    /// Set on the child tickets of assisting units.
    pub parent_id: Option<Uuid>,
    /// Set when merged into another ticket.
    pub master_id: Option<Uuid>,
    pub state: TicketState,
    pub handling_type: Option<HandlingType>,
    /// Personal data is encrypted with the data key; the masked forms are for unit roles.
    #[sea_orm(column_type = "Text", nullable)]
    pub caller_name_enc: Option<String>,
    pub caller_name_masked: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub caller_phone_enc: Option<String>,
    /// Blind index (keyed hash of the E.164 number) for caller history.
    pub caller_phone_idx: Option<String>,
    pub caller_phone_masked: Option<String>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub demand: Option<String>,
    pub occurred_at: Option<DateTimeUtc>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub category_id: Option<Uuid>,
    pub appeal_type: AppealType,
    pub urgency: Urgency,
    pub channel: Channel,
    pub confidential: bool,
    pub emergency: bool,
    pub region_org_id: Option<Uuid>,
    pub callback_requirement: CallbackRequirement,
    /// 联系电话, when it differs from the calling number: sealed and masked like it.
    pub contact_phone_enc: Option<String>,
    pub contact_phone_masked: Option<String>,
    pub holder_org_id: Option<Uuid>,
    /// The unit that re-dispatched the ticket to its holder; `None` when the center did.
    pub dispatched_by_org_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub excerpt: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reply_content: Option<String>,
    pub close_reason: Option<CloseReason>,
    pub accept_due: Option<DateTimeUtc>,
    pub response_due: Option<DateTimeUtc>,
    pub finish_due: Option<DateTimeUtc>,
    /// The finish deadline before any extension, kept for KPIs.
    pub original_finish_due: Option<DateTimeUtc>,
    pub dispatched_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub first_contact_at: Option<DateTimeUtc>,
    pub replied_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub overdue: bool,
    pub accept_overdue: bool,
    pub response_overdue: bool,
    pub urged_count: i32,
    /// Leaders' instructions (批示) on it so far.
    pub instruction_count: i32,
    pub supervision_level: i32,
    pub reopened_count: i32,
    pub returned_count: i32,
    pub callback_attempts: i32,
    pub satisfaction: Option<Satisfaction>,
    pub resolved: Option<bool>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Optimistic concurrency: every update bumps it and checks the old value.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
