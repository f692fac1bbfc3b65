use hotline_domain::kb::ArticleStatus;
use sea_orm::entity::prelude::*;

/// An article's working copy; what agents read is the version `published_version`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "kb_article")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// 答复口径: the wording to answer the citizen with.
    pub reply_template: Option<String>,
    /// Comma-separated search words.
    pub keywords: Option<String>,
    pub owner_org_id: Uuid,
    pub status: ArticleStatus,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    /// The working copy's version.
    pub version: i32,
    pub published_version: Option<i32>,
    pub hits: i64,
    pub helpful: i32,
    pub outdated: i32,
    pub expiry_notice_sent: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
