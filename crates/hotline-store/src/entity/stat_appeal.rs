use hotline_domain::stats::{AppealReason, AppealState};
use sea_orm::entity::prelude::*;

/// A unit's appeal against a ticket's inclusion in its assessment (不纳入考核 申诉).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stat_appeal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// The appealing unit: the ticket drops out of its figures once approved.
    pub org_id: Uuid,
    pub state: AppealState,
    pub reason: AppealReason,
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    /// JSON array of the ticket's attachment ids offered as evidence.
    #[sea_orm(column_type = "Text")]
    pub attachment_ids: String,
    pub filed_by: Uuid,
    pub filed_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
