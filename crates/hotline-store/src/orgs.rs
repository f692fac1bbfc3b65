//! The org tree.

use sea_orm::ActiveValue::NotSet;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    Set,
};
use uuid::Uuid;

use crate::entity::{app_user, org};
use crate::{Page, PageRequest, contains, starts_with};

pub use org::Model as OrgRow;

#[derive(Clone, Debug, Default)]
pub struct OrgFilter {
    /// Only orgs whose path starts with this (a data scope or "subtree of").
    pub path_prefix: Option<String>,
    pub parent_id: Option<Uuid>,
    pub kind: Option<String>,
    pub active: Option<bool>,
    /// Matches name or code.
    pub q: Option<String>,
}

pub async fn insert(db: &impl ConnectionTrait, row: OrgRow) -> Result<OrgRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<OrgRow>, DbErr> {
    org::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<OrgRow>, DbErr> {
    org::Entity::find().filter(org::Column::Code.eq(code)).one(db).await
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &OrgFilter,
    page: PageRequest,
) -> Result<Page<OrgRow>, DbErr> {
    let mut query = org::Entity::find();
    if let Some(prefix) = &filter.path_prefix {
        query = query.filter(org::Column::Path.like(starts_with(prefix)));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(org::Column::ParentId.eq(parent));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(org::Column::Kind.eq(kind.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(org::Column::Active.eq(active));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            Expr::col(org::Column::Name)
                .like(contains(q))
                .or(Expr::col(org::Column::Code).like(contains(&q.to_uppercase()))),
        );
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(org::Column::Path)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items, total })
}

/// Every org in the subtree rooted at `path`, the root included.
pub async fn subtree(db: &impl ConnectionTrait, path: &str) -> Result<Vec<OrgRow>, DbErr> {
    org::Entity::find()
        .filter(org::Column::Path.like(starts_with(path)))
        .order_by_asc(org::Column::Path)
        .all(db)
        .await
}

/// Writes an org's own fields. Where it works (`remote_*`) is left as stored: only
/// [`crate::federation::set_org_remote`] changes that, so an edit read before a setup cannot
/// undo it.
pub async fn update(db: &impl ConnectionTrait, row: OrgRow) -> Result<OrgRow, DbErr> {
    let mut model = row.into_active_model().reset_all();
    model.remote_url = NotSet;
    model.remote_token_id = NotSet;
    model.remote_webhook_id = NotSet;
    model.update(db).await
}

/// The org, locked until the end of the caller's transaction (PostgreSQL; a SQLite write
/// transaction is exclusive anyway).
pub async fn find_for_update(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<OrgRow>, DbErr> {
    org::Entity::find_by_id(id).lock_exclusive().one(db).await
}

/// Rewrites the path of every org below `old_prefix` (the moved org included).
pub async fn rebase(
    db: &impl ConnectionTrait,
    rows: Vec<OrgRow>,
    old_prefix: &hotline_domain::org::OrgPath,
    new_prefix: &hotline_domain::org::OrgPath,
) -> Result<(), DbErr> {
    for row in rows {
        let path = hotline_domain::org::OrgPath::from_stored(row.path.clone());
        let model = org::ActiveModel {
            id: Set(row.id),
            path: Set(path.rebase(old_prefix, new_prefix).as_str().to_owned()),
            ..Default::default()
        };
        model.update(db).await?;
    }
    Ok(())
}

/// How many active child orgs and active users an org has: deactivation waits until both are 0.
pub async fn active_dependants(db: &impl ConnectionTrait, id: Uuid) -> Result<(u64, u64), DbErr> {
    let children = org::Entity::find()
        .filter(org::Column::ParentId.eq(id))
        .filter(org::Column::Active.eq(true))
        .count(db)
        .await?;
    let users = app_user::Entity::find()
        .filter(app_user::Column::OrgId.eq(id))
        .filter(app_user::Column::Active.eq(true))
        .count(db)
        .await?;
    Ok((children, users))
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    org::Entity::find().count(db).await
}

#[cfg(test)]
mod tests {
    use crate::federation::{OrgRemote, set_org_remote};
    use crate::{DbConfig, Store};

    /// An edit made from a row read before the org was set up as remote keeps the setup: the
    /// credential ids are what the next setup retires.
    #[tokio::test]
    async fn an_edit_from_a_stale_row_keeps_where_the_org_works() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("orgs.db").display());
        let store = Store::connect(&DbConfig::new(url)).await?;
        store.migrate().await?;
        let now = chrono::Utc::now();
        let id = uuid::Uuid::now_v7();
        let stale = super::insert(
            store.reader(),
            super::OrgRow {
                id,
                code: "DONGCHENG".to_owned(),
                name: "东城区".to_owned(),
                kind: hotline_domain::org::OrgKind::District,
                parent_id: None,
                path: format!("/{id}/"),
                active: true,
                reviews_replies: true,
                remote_url: None,
                remote_token_id: None,
                remote_webhook_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        let remote = OrgRemote {
            url: "https://dongcheng.example".to_owned(),
            token_id: uuid::Uuid::now_v7(),
            webhook_id: uuid::Uuid::now_v7(),
        };
        set_org_remote(store.reader(), id, Some(remote.clone()), now).await?;
        let edited =
            super::update(store.reader(), super::OrgRow { name: "东城".to_owned(), ..stale })
                .await?;
        assert_eq!(edited.name, "东城");
        assert_eq!(edited.remote_url.as_deref(), Some(remote.url.as_str()));
        assert_eq!(
            (edited.remote_token_id, edited.remote_webhook_id),
            (Some(remote.token_id), Some(remote.webhook_id))
        );
        Ok(())
    }
}
