use hotline_domain::alerts::{AlertKind, AlertState};
use sea_orm::entity::prelude::*;

/// An early warning in the center's inbox.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: AlertKind,
    pub state: AlertState,
    /// One open alert per matter: a rule firing again adds its tickets to it.
    pub dedupe_key: Option<String>,
    pub title: String,
    /// JSON: what the rule measured (counts, expectation, words …).
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    /// JSON array of ticket ids.
    #[sea_orm(column_type = "Text")]
    pub ticket_ids: String,
    pub region_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
