use sea_orm::entity::prelude::*;

/// One inbound call (the contact record of telephony §5.5); its offers as JSON.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cc_call")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub sip_call_id: String,
    /// The caller's number, encrypted; `ani_idx` is its keyed hash for lookups.
    #[sea_orm(column_type = "Text", nullable)]
    pub ani_enc: Option<String>,
    pub ani_idx: Option<String>,
    pub dnis: String,
    pub queue_id: Option<Uuid>,
    pub lang: Option<String>,
    pub offered_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub agent_id: Option<Uuid>,
    pub disposition: Option<String>,
    pub end_cause: Option<i32>,
    pub queue_wait_s: Option<i32>,
    pub talk_s: Option<i32>,
    pub within_sl: bool,
    pub ticket_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub offers: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
