use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub actor_org_id: Option<String>,
    pub source_ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
