//! The knowledge base's rows: articles and their versions, the categories they answer,
//! feedback and files.

use std::collections::HashMap;

use chrono::NaiveDate;
use hotline_domain::kb::ArticleStatus;
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{
    kb_article, kb_article_category, kb_article_version, kb_attachment, kb_feedback,
};
use crate::{Page, PageRequest};

pub use kb_article::Model as ArticleRow;
pub use kb_article_version::Model as ArticleVersionRow;
pub use kb_attachment::Model as KbAttachmentRow;
pub use kb_feedback::Model as FeedbackRow;

/// Which articles a list holds.
#[derive(Clone, Debug, Default)]
pub struct ArticleFilter {
    /// Only those agents are offered on this day (see `hotline_domain::kb::in_use`).
    pub in_use_on: Option<NaiveDate>,
    /// Only these owners (a unit's subtree); empty for all.
    pub owners: Vec<Uuid>,
    pub statuses: Vec<ArticleStatus>,
    /// Answering this category or one of these (a category and its descendants).
    pub categories: Vec<Uuid>,
    /// Only these articles (what the search index found); `None` for all.
    pub ids: Option<Vec<Uuid>>,
}

pub async fn insert(db: &impl ConnectionTrait, row: ArticleRow) -> Result<ArticleRow, DbErr> {
    row.into_active_model().insert(db).await
}

/// Saves `row`, whose `version` was bumped from `expected`; nothing is saved when someone else
/// saved meanwhile (`RecordNotUpdated`).
pub async fn update(
    db: &impl ConnectionTrait,
    row: ArticleRow,
    expected: i32,
) -> Result<ArticleRow, DbErr> {
    kb_article::Entity::update(row.into_active_model().reset_all())
        .validate()?
        .filter(kb_article::Column::Version.eq(expected))
        .exec(db)
        .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<ArticleRow>, DbErr> {
    kb_article::Entity::find_by_id(id).one(db).await
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ArticleFilter,
    page: PageRequest,
) -> Result<Page<ArticleRow>, DbErr> {
    use kb_article::Column as C;
    let mut query = kb_article::Entity::find();
    if let Some(today) = filter.in_use_on {
        query = query
            .filter(C::PublishedVersion.is_not_null())
            .filter(C::Status.is_not_in([ArticleStatus::Expired, ArticleStatus::Withdrawn]))
            .filter(Condition::any().add(C::ValidFrom.is_null()).add(C::ValidFrom.lte(today)))
            .filter(Condition::any().add(C::ValidTo.is_null()).add(C::ValidTo.gte(today)));
    }
    if !filter.owners.is_empty() {
        query = query.filter(C::OwnerOrgId.is_in(filter.owners.iter().copied()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(C::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.categories.is_empty() {
        let linked = Query::select()
            .column(kb_article_category::Column::ArticleId)
            .from(kb_article_category::Entity)
            .and_where(
                kb_article_category::Column::CategoryId.is_in(filter.categories.iter().copied()),
            )
            .to_owned();
        query = query.filter(C::Id.in_subquery(linked));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(C::Id.is_in(ids.iter().copied()));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(C::Hits)
        .order_by_desc(C::UpdatedAt)
        .order_by_asc(C::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items, total })
}

/// The categories of each article, in one query.
pub async fn categories_of(
    db: &impl ConnectionTrait,
    articles: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    if articles.is_empty() {
        return Ok(out);
    }
    for link in kb_article_category::Entity::find()
        .filter(kb_article_category::Column::ArticleId.is_in(articles.iter().copied()))
        .all(db)
        .await?
    {
        out.entry(link.article_id).or_default().push(link.category_id);
    }
    Ok(out)
}

pub async fn set_categories(
    db: &impl ConnectionTrait,
    article: Uuid,
    categories: &[Uuid],
) -> Result<(), DbErr> {
    kb_article_category::Entity::delete_many()
        .filter(kb_article_category::Column::ArticleId.eq(article))
        .exec(db)
        .await?;
    if categories.is_empty() {
        return Ok(());
    }
    kb_article_category::Entity::insert_many(categories.iter().map(|c| {
        kb_article_category::Model { article_id: article, category_id: *c }.into_active_model()
    }))
    .exec(db)
    .await
    .map(|_| ())
}

pub async fn insert_version(
    db: &impl ConnectionTrait,
    row: ArticleVersionRow,
) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

/// An article's versions, newest first.
pub async fn versions(
    db: &impl ConnectionTrait,
    article: Uuid,
) -> Result<Vec<ArticleVersionRow>, DbErr> {
    kb_article_version::Entity::find()
        .filter(kb_article_version::Column::ArticleId.eq(article))
        .order_by_desc(kb_article_version::Column::Version)
        .all(db)
        .await
}

pub async fn version(
    db: &impl ConnectionTrait,
    article: Uuid,
    version: i32,
) -> Result<Option<ArticleVersionRow>, DbErr> {
    kb_article_version::Entity::find()
        .filter(kb_article_version::Column::ArticleId.eq(article))
        .filter(kb_article_version::Column::Version.eq(version))
        .one(db)
        .await
}

/// The published versions of several articles, by article.
pub async fn published_versions(
    db: &impl ConnectionTrait,
    articles: &[ArticleRow],
) -> Result<HashMap<Uuid, ArticleVersionRow>, DbErr> {
    let mut condition = Condition::any();
    let mut any = false;
    for a in articles {
        if let Some(v) = a.published_version {
            any = true;
            condition = condition.add(
                Condition::all()
                    .add(kb_article_version::Column::ArticleId.eq(a.id))
                    .add(kb_article_version::Column::Version.eq(v)),
            );
        }
    }
    if !any {
        return Ok(HashMap::new());
    }
    Ok(kb_article_version::Entity::find()
        .filter(condition)
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.article_id, v))
        .collect())
}

/// Counts one opening of an article by an agent.
pub async fn count_hit(db: &impl ConnectionTrait, article: Uuid) -> Result<(), DbErr> {
    kb_article::Entity::update_many()
        .col_expr(kb_article::Column::Hits, Expr::col(kb_article::Column::Hits).add(1))
        .filter(kb_article::Column::Id.eq(article))
        .exec(db)
        .await
        .map(|_| ())
}

/// Keeps feedback and counts it on the article.
pub async fn insert_feedback(db: &impl ConnectionTrait, row: FeedbackRow) -> Result<(), DbErr> {
    let column = match row.kind {
        hotline_domain::kb::FeedbackKind::Helpful => kb_article::Column::Helpful,
        hotline_domain::kb::FeedbackKind::Outdated => kb_article::Column::Outdated,
    };
    kb_article::Entity::update_many()
        .col_expr(column, Expr::col(column).add(1))
        .filter(kb_article::Column::Id.eq(row.article_id))
        .exec(db)
        .await?;
    row.into_active_model().insert(db).await.map(|_| ())
}

/// An article's feedback, newest first.
pub async fn feedback(db: &impl ConnectionTrait, article: Uuid) -> Result<Vec<FeedbackRow>, DbErr> {
    kb_feedback::Entity::find()
        .filter(kb_feedback::Column::ArticleId.eq(article))
        .order_by_desc(kb_feedback::Column::CreatedAt)
        .order_by_desc(kb_feedback::Column::Id)
        .limit(200)
        .all(db)
        .await
}

/// Articles still in use whose last valid day is before `today`.
pub async fn expired_by(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<ArticleRow>, DbErr> {
    kb_article::Entity::find()
        .filter(kb_article::Column::ValidTo.lt(today))
        .filter(
            kb_article::Column::Status
                .is_not_in([ArticleStatus::Expired, ArticleStatus::Withdrawn]),
        )
        .all(db)
        .await
}

/// Articles in use that expire by `until` and whose owner has not been told yet.
pub async fn expiring_by(
    db: &impl ConnectionTrait,
    until: NaiveDate,
) -> Result<Vec<ArticleRow>, DbErr> {
    kb_article::Entity::find()
        .filter(kb_article::Column::ValidTo.lte(until))
        .filter(kb_article::Column::ExpiryNoticeSent.eq(false))
        .filter(kb_article::Column::PublishedVersion.is_not_null())
        .filter(
            kb_article::Column::Status
                .is_not_in([ArticleStatus::Expired, ArticleStatus::Withdrawn]),
        )
        .all(db)
        .await
}

/// Sets an article's status (and its notice flag) without touching its working copy.
pub async fn set_status(
    db: &impl ConnectionTrait,
    article: Uuid,
    status: ArticleStatus,
    notice_sent: bool,
) -> Result<(), DbErr> {
    kb_article::Entity::update_many()
        .col_expr(kb_article::Column::Status, Expr::value(status))
        .col_expr(kb_article::Column::ExpiryNoticeSent, Expr::value(notice_sent))
        .filter(kb_article::Column::Id.eq(article))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn insert_attachments(
    db: &impl ConnectionTrait,
    rows: Vec<KbAttachmentRow>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    kb_attachment::Entity::insert_many(
        rows.into_iter().map(sea_orm::IntoActiveModel::into_active_model),
    )
    .exec(db)
    .await
    .map(|_| ())
}

pub async fn attachments(
    db: &impl ConnectionTrait,
    article: Uuid,
) -> Result<Vec<KbAttachmentRow>, DbErr> {
    kb_attachment::Entity::find()
        .filter(kb_attachment::Column::ArticleId.eq(article))
        .order_by_asc(kb_attachment::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn find_attachment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<KbAttachmentRow>, DbErr> {
    kb_attachment::Entity::find_by_id(id).one(db).await
}

/// Every article (the search index holds them all; they are few).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<ArticleRow>, DbErr> {
    kb_article::Entity::find().order_by_asc(kb_article::Column::Id).all(db).await
}

/// What changes whenever an article is added, edited or reviewed: how many there are and the
/// latest change. The in-memory index is rebuilt when it differs.
pub async fn stamp(db: &impl ConnectionTrait) -> Result<String, DbErr> {
    let row: Option<(i64, Option<chrono::DateTime<chrono::Utc>>)> = kb_article::Entity::find()
        .select_only()
        .column_as(kb_article::Column::Id.count(), "n")
        .column_as(kb_article::Column::UpdatedAt.max(), "at")
        .into_tuple()
        .one(db)
        .await?;
    let (n, at) = row.unwrap_or((0, None));
    Ok(format!("{n}:{}", at.map(|t| t.timestamp_micros()).unwrap_or(0)))
}
