use hotline_domain::sla::LimitUnit;
use hotline_domain::ticket::Urgency;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sla_policy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Applies to this category and its descendants; `None` for every category.
    pub category_id: Option<Uuid>,
    /// `None` for every urgency.
    pub urgency: Option<Urgency>,
    pub accept_amount: i32,
    pub accept_unit: LimitUnit,
    pub response_amount: i32,
    pub response_unit: LimitUnit,
    pub finish_amount: i32,
    pub finish_unit: LimitUnit,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
