use sea_orm::entity::prelude::*;

/// One item of a briefing: a ticket, told in the compilers' words.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "briefing_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub briefing_id: Uuid,
    /// From 0, in the order the briefing reads.
    pub position: i32,
    pub ticket_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub headline: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
