//! Common phrases (常用语): a person's own and the shared ones.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use crate::entity::phrase;

pub use phrase::Model as PhraseRow;

/// The user's own phrases and the shared ones, own first, each in its order.
pub async fn visible_to(db: &impl ConnectionTrait, user: Uuid) -> Result<Vec<PhraseRow>, DbErr> {
    phrase::Entity::find()
        .filter(
            Condition::any()
                .add(phrase::Column::OwnerId.eq(user))
                .add(phrase::Column::OwnerId.is_null()),
        )
        .order_by_asc(phrase::Column::OwnerId.is_null())
        .order_by_asc(phrase::Column::SortOrder)
        .order_by_asc(phrase::Column::CreatedAt)
        .all(db)
        .await
}

/// How many phrases an owner (or, with `None`, the shared list) holds.
pub async fn count_of(db: &impl ConnectionTrait, owner: Option<Uuid>) -> Result<u64, DbErr> {
    let filter = match owner {
        Some(owner) => phrase::Column::OwnerId.eq(owner),
        None => phrase::Column::OwnerId.is_null(),
    };
    phrase::Entity::find().filter(filter).count(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<PhraseRow>, DbErr> {
    phrase::Entity::find_by_id(id).one(db).await
}

pub async fn insert(db: &impl ConnectionTrait, row: PhraseRow) -> Result<PhraseRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update(db: &impl ConnectionTrait, row: PhraseRow) -> Result<PhraseRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    phrase::Entity::delete_by_id(id).exec(db).await.map(|_| ())
}
