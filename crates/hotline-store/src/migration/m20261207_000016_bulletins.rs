//! Monthly assessment bulletins (考核通报): a month's unit figures, scores, ranks and red and
//! black lists as published, kept as they were so a later recount never changes them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, text, timestamp_with_time_zone, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatBulletin {
    Table,
    Month,
    Report,
    PublishedBy,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatBulletin::Table)
                    .col(string_len(StatBulletin::Month, 7).primary_key())
                    .col(text(StatBulletin::Report))
                    .col(uuid_null(StatBulletin::PublishedBy))
                    .col(timestamp_with_time_zone(StatBulletin::PublishedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatBulletin::Table).to_owned()).await
    }
}
