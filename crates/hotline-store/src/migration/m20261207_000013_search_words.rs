//! Words admins add to the search dictionary (place names, programme names, slang) so the
//! segmenter keeps them whole.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, timestamp_with_time_zone, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchWord {
    Table,
    Word,
    AddedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchWord::Table)
                    .col(string_len(SearchWord::Word, 32).primary_key())
                    .col(uuid_null(SearchWord::AddedBy))
                    .col(timestamp_with_time_zone(SearchWord::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SearchWord::Table).to_owned()).await
    }
}
