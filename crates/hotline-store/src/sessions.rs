//! Browser sessions.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::ExprTrait as _;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, Set,
};
use uuid::Uuid;

use crate::entity::user_session;

pub use user_session::Model as SessionRow;

pub async fn insert(db: &impl ConnectionTrait, row: SessionRow) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<SessionRow>, DbErr> {
    user_session::Entity::find_by_id(id.to_owned()).one(db).await
}

pub async fn touch(db: &impl ConnectionTrait, id: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    user_session::ActiveModel {
        id: Set(id.to_owned()),
        last_seen_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await
    .map(|_| ())
}

pub async fn delete(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    user_session::Entity::delete_by_id(id.to_owned()).exec(db).await.map(|_| ())
}

/// Ends every session of a user (password change, reset, deactivation).
pub async fn delete_for_user(db: &impl ConnectionTrait, user_id: Uuid) -> Result<u64, DbErr> {
    Ok(user_session::Entity::delete_many()
        .filter(user_session::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Removes sessions idle since before `idle_before` or created before `created_before`.
pub async fn purge_expired(
    db: &impl ConnectionTrait,
    idle_before: DateTime<Utc>,
    created_before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(user_session::Entity::delete_many()
        .filter(
            user_session::Column::LastSeenAt
                .lt(idle_before)
                .or(user_session::Column::CreatedAt.lt(created_before)),
        )
        .exec(db)
        .await?
        .rows_affected)
}
