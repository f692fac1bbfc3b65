//! Staff users and their roles.

use std::collections::HashMap;

use hotline_domain::role::Role;

use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{app_user, org, user_role};
use crate::{Page, PageRequest, contains, starts_with};

pub use app_user::Model as UserRow;

#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Only users whose org lies under this path.
    pub org_path_prefix: Option<String>,
    pub org_id: Option<Uuid>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Matches username or display name.
    pub q: Option<String>,
}

pub async fn insert(
    db: &impl ConnectionTrait,
    row: UserRow,
    roles: &[Role],
) -> Result<UserRow, DbErr> {
    let user = row.into_active_model().insert(db).await?;
    set_roles(db, user.id, roles).await?;
    Ok(user)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<UserRow>, DbErr> {
    app_user::Entity::find_by_id(id).one(db).await
}

/// Display names of the given users, for timelines that name who acted.
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<UserRow>, DbErr> {
    app_user::Entity::find().filter(app_user::Column::Username.eq(username)).one(db).await
}

pub async fn update(db: &impl ConnectionTrait, row: UserRow) -> Result<UserRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

/// Sets a user's preferences alone, so a sign-in counting failures at the same time is not
/// overwritten.
pub async fn set_preferences(
    db: &impl ConnectionTrait,
    id: Uuid,
    preferences: String,
) -> Result<(), DbErr> {
    app_user::Entity::update_many()
        .col_expr(app_user::Column::Preferences, Expr::value(preferences))
        .filter(app_user::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn roles_of(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<Role>, DbErr> {
    Ok(user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .order_by_asc(user_role::Column::Role)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect())
}

/// Roles of several users in one query, for list pages.
pub async fn roles_of_many(
    db: &impl ConnectionTrait,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Role>>, DbErr> {
    let mut map: HashMap<Uuid, Vec<Role>> = HashMap::new();
    if user_ids.is_empty() {
        return Ok(map);
    }
    let rows = user_role::Entity::find()
        .filter(user_role::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(user_role::Column::Role)
        .all(db)
        .await?;
    for row in rows {
        map.entry(row.user_id).or_default().push(row.role);
    }
    Ok(map)
}

pub async fn set_roles(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    roles: &[Role],
) -> Result<(), DbErr> {
    user_role::Entity::delete_many().filter(user_role::Column::UserId.eq(user_id)).exec(db).await?;
    if roles.is_empty() {
        return Ok(());
    }
    let models = roles.iter().map(|&role| user_role::Model { user_id, role }.into_active_model());
    user_role::Entity::insert_many(models).exec(db).await?;
    Ok(())
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &UserFilter,
    page: PageRequest,
) -> Result<Page<UserRow>, DbErr> {
    let mut query = app_user::Entity::find();
    if let Some(prefix) = &filter.org_path_prefix {
        query = query.filter(
            app_user::Column::OrgId.in_subquery(
                Query::select()
                    .column(org::Column::Id)
                    .from(org::Entity)
                    .and_where(Expr::col(org::Column::Path).like(starts_with(prefix)))
                    .to_owned(),
            ),
        );
    }
    if let Some(org_id) = filter.org_id {
        query = query.filter(app_user::Column::OrgId.eq(org_id));
    }
    if let Some(role) = &filter.role {
        query = query.filter(
            app_user::Column::Id.in_subquery(
                Query::select()
                    .column(user_role::Column::UserId)
                    .from(user_role::Entity)
                    .and_where(Expr::col(user_role::Column::Role).eq(*role))
                    .to_owned(),
            ),
        );
    }
    if let Some(active) = filter.active {
        query = query.filter(app_user::Column::Active.eq(active));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            Expr::col(app_user::Column::Username)
                .like(contains(&q.to_lowercase()))
                .or(Expr::col(app_user::Column::DisplayName).like(contains(q))),
        );
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(app_user::Column::Username)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items, total })
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    app_user::Entity::find().count(db).await
}
