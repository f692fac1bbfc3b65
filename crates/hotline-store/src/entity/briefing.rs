use hotline_domain::briefing::BriefingState;
use sea_orm::entity::prelude::*;

/// A daily briefing (要情摘报) for the leaders: a draft the supervisors edit, then published
/// and frozen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "briefing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `YYYY-MM-DD`: the day it reports on.
    pub day: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// 按语: the compilers' words ahead of the items.
    #[sea_orm(column_type = "Text")]
    pub foreword: String,
    pub state: BriefingState,
    /// Raised by every save: an editor saving over another's newer save is refused.
    pub version: i32,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_by: Option<Uuid>,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
