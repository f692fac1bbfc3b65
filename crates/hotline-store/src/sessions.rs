//! Browser sessions.

use chrono::{DateTime, Utc};
use hotline_domain::role::Role;
use sea_orm::sea_query::{Expr, ExprTrait as _, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait,
    FromQueryResult as _, IdenStatic as _, IntoActiveModel as _, Iterable as _, QueryFilter as _,
    Set,
};
use uuid::Uuid;

use crate::entity::{app_user, org, user_role, user_session};
use crate::orgs::OrgRow;
use crate::users::UserRow;

pub use user_session::Model as SessionRow;

/// A session with everything needed to act for its user.
#[derive(Clone, Debug)]
pub struct SessionHolder {
    pub session: SessionRow,
    pub user: UserRow,
    pub org: OrgRow,
    /// The user's roles, sorted by code.
    pub roles: Vec<Role>,
}

/// The session `id` with its user, the user's org and roles, in one query: every request
/// resolves its session, so this is the hottest read there is.
pub async fn find_holder(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<SessionHolder>, DbErr> {
    let mut query = Query::select();
    select_prefixed::<user_session::Entity>(&mut query, "s_");
    select_prefixed::<app_user::Entity>(&mut query, "u_");
    select_prefixed::<org::Entity>(&mut query, "o_");
    query
        .expr_as(Expr::col((user_role::Entity, user_role::Column::Role)), "r_role")
        .from(user_session::Entity)
        .inner_join(
            app_user::Entity,
            Expr::col((app_user::Entity, app_user::Column::Id))
                .equals((user_session::Entity, user_session::Column::UserId)),
        )
        .inner_join(
            org::Entity,
            Expr::col((org::Entity, org::Column::Id))
                .equals((app_user::Entity, app_user::Column::OrgId)),
        )
        .left_join(
            user_role::Entity,
            Expr::col((user_role::Entity, user_role::Column::UserId))
                .equals((app_user::Entity, app_user::Column::Id)),
        )
        .and_where(Expr::col((user_session::Entity, user_session::Column::Id)).eq(id))
        .order_by((user_role::Entity, user_role::Column::Role), Order::Asc);
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let roles = rows
        .iter()
        .map(|row| row.try_get::<Option<Role>>("", "r_role"))
        .filter_map(Result::transpose)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(SessionHolder {
        session: SessionRow::from_query_result(first, "s_")?,
        user: UserRow::from_query_result(first, "u_")?,
        org: OrgRow::from_query_result(first, "o_")?,
        roles,
    }))
}

/// Selects every column of `E` as `{prefix}{column}`, the names `from_query_result` reads.
fn select_prefixed<E: EntityTrait>(query: &mut SelectStatement, prefix: &str) {
    for column in E::Column::iter() {
        query.expr_as(Expr::col((E::default(), column)), format!("{prefix}{}", column.as_str()));
    }
}

pub async fn insert(db: &impl ConnectionTrait, row: SessionRow) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
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

/// Sessions used since `since`, and how many people hold them: who is at work now.
pub async fn in_use_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<(u64, u64), DbErr> {
    use sea_orm::{PaginatorTrait as _, QuerySelect as _};
    let recent = user_session::Entity::find().filter(user_session::Column::LastSeenAt.gte(since));
    let sessions = recent.clone().count(db).await?;
    let people: Vec<Uuid> = recent
        .select_only()
        .column(user_session::Column::UserId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok((people.len() as u64, sessions))
}
