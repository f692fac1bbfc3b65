use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "category")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub level: i16,
    /// Ancestor ids, root first: `/l1/l2/self/`.
    pub path: String,
    pub active: bool,
    pub sort_order: i32,
    /// Words callers use for it (电梯 for 特种设备), comma-separated, for the category search.
    pub keywords: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
