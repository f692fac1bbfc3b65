use sea_orm::entity::prelude::*;

/// A bonus (positive) or deduction (negative) to a unit's score, by the center, with why.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stat_adjustment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub org_id: Uuid,
    /// `YYYY-MM-DD`: the period that holds this day carries it.
    pub day: String,
    pub points: f64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
