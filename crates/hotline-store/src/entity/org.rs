use hotline_domain::org::OrgKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<Uuid>,
    pub path: String,
    pub active: bool,
    /// Reviews the replies of the sub-units it re-dispatches to before they go up.
    pub reviews_replies: bool,
    /// Set when the org works in another hotline instance (a district's own sub-center) at
    /// this base URL: tickets dispatched to it are handled there.
    pub remote_url: Option<String>,
    /// The API token and webhook subscription a remote org was set up with (retired when it is
    /// set up again).
    pub remote_token_id: Option<Uuid>,
    pub remote_webhook_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
