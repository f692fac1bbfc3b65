use sea_orm::entity::prelude::*;

/// One saved state of an article, kept for ever: who changed what, when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kb_article_version")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub article_id: Uuid,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub reply_template: Option<String>,
    pub keywords: Option<String>,
    /// The linked categories, as a JSON array of ids.
    pub category_ids: String,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub edited_by: Option<Uuid>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
