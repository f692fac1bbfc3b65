use hotline_domain::phrase::PhrasePurpose;
use sea_orm::entity::prelude::*;

/// A common phrase (常用语) for opinions and replies.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "phrase")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user it belongs to; none for the shared ones.
    pub owner_id: Option<Uuid>,
    pub purpose: PhrasePurpose,
    pub content: String,
    pub sort_order: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
