use sea_orm::entity::prelude::*;

/// An upstream instance this one takes work from (for a district: the city hotline).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "federation_peer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Where the peer's tickets land here.
    pub org_id: Uuid,
    /// The peer's base URL.
    pub url: String,
    /// The API token the peer issued us, encrypted with the data key.
    #[sea_orm(column_type = "Text")]
    pub token_enc: String,
    /// The secret the peer signs its webhooks with, encrypted with the data key.
    #[sea_orm(column_type = "Text")]
    pub secret_enc: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
