//! Reports users build and keep (我的报表): a name and the report's definition as JSON, owned
//! by one user.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, text, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SavedReport {
    Table,
    Id,
    OwnerId,
    Name,
    Definition,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SavedReport::Table)
                    .col(uuid(SavedReport::Id).primary_key())
                    .col(uuid(SavedReport::OwnerId))
                    .col(string_len(SavedReport::Name, 100))
                    .col(text(SavedReport::Definition))
                    .col(timestamp_with_time_zone(SavedReport::CreatedAt))
                    .col(timestamp_with_time_zone(SavedReport::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("saved_report_owner_name")
                    .table(SavedReport::Table)
                    .col(SavedReport::OwnerId)
                    .col(SavedReport::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SavedReport::Table).to_owned()).await
    }
}
