use sea_orm::entity::prelude::*;

/// One outbox consumer's place: every event below `floor` is handled; `outbox_done` lists the
/// handled ones at or above it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_cursor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consumer: String,
    pub floor: Uuid,
    pub lease_owner: Option<Uuid>,
    pub lease_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
