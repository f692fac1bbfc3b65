//! API tokens for machine clients (unit OA systems, district instances, Open311 apps).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    Set,
};
use uuid::Uuid;

use crate::entity::{api_token, org};
use crate::{Page, PageRequest, starts_with};

pub use api_token::Model as TokenRow;

pub async fn insert(db: &impl ConnectionTrait, row: TokenRow) -> Result<TokenRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<TokenRow>, DbErr> {
    api_token::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_secret_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<TokenRow>, DbErr> {
    api_token::Entity::find().filter(api_token::Column::SecretHash.eq(hash)).one(db).await
}

pub async fn list(
    db: &impl ConnectionTrait,
    org_path_prefix: Option<&str>,
    page: PageRequest,
) -> Result<Page<TokenRow>, DbErr> {
    let mut query = api_token::Entity::find();
    if let Some(prefix) = org_path_prefix {
        query = query.filter(
            api_token::Column::OrgId.in_subquery(
                Query::select()
                    .column(org::Column::Id)
                    .from(org::Entity)
                    .and_where(Expr::col(org::Column::Path).like(starts_with(prefix)))
                    .to_owned(),
            ),
        );
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(api_token::Column::CreatedAt)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items, total })
}

/// Revokes a token unless it is revoked already (the first revocation's time stands); says
/// whether this call revoked it.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

pub async fn touch(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    api_token::ActiveModel { id: Set(id), last_used_at: Set(Some(now)), ..Default::default() }
        .update(db)
        .await
        .map(|_| ())
}
