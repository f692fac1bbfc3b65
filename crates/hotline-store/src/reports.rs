//! Saved reports (我的报表): each user's own, by name.

use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use crate::entity::saved_report;

pub use saved_report::Model as SavedReportRow;

/// The owner's reports by name.
pub async fn of_owner(
    db: &impl ConnectionTrait,
    owner: Uuid,
) -> Result<Vec<SavedReportRow>, DbErr> {
    saved_report::Entity::find()
        .filter(saved_report::Column::OwnerId.eq(owner))
        .order_by_asc(saved_report::Column::Name)
        .all(db)
        .await
}

pub async fn count_of(db: &impl ConnectionTrait, owner: Uuid) -> Result<u64, DbErr> {
    saved_report::Entity::find().filter(saved_report::Column::OwnerId.eq(owner)).count(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<SavedReportRow>, DbErr> {
    saved_report::Entity::find_by_id(id).one(db).await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    row: SavedReportRow,
) -> Result<SavedReportRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update(
    db: &impl ConnectionTrait,
    row: SavedReportRow,
) -> Result<SavedReportRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    saved_report::Entity::delete_by_id(id).exec(db).await.map(|_| ())
}
