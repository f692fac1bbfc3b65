use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub channel: hotline_domain::ticket::Channel,
    pub received_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub caller_phone_enc: Option<String>,
    pub caller_phone_idx: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub raw_text: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
