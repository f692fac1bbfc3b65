use sea_orm::entity::prelude::*;

/// One change of an agent's state, and what caused it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cc_agent_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub at: DateTimeUtc,
    pub input: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: Option<String>,
    pub call_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
