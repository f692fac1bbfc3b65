use sea_orm::entity::prelude::*;

/// An audit record committed with its change and waiting to be sealed onto the chain.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_staged")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The unsealed record as JSON.
    #[sea_orm(column_type = "Text")]
    pub record: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
