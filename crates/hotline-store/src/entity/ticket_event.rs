use hotline_domain::ticket::TicketState;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub at: DateTimeUtc,
    pub action: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub actor_org_id: Option<Uuid>,
    pub from_state: Option<TicketState>,
    pub to_state: Option<TicketState>,
    /// The org the action concerns (dispatch target, the unit that returned …).
    pub org_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub opinion: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
