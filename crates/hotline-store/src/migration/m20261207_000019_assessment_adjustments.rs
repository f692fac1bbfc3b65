//! The center's bonuses and deductions to a unit's assessment score (加减分), each with its day
//! and reason: a unit's score over a period carries those dated within it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{double, string_len, text, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatAdjustment {
    Table,
    Id,
    OrgId,
    Day,
    Points,
    Reason,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatAdjustment::Table)
                    .col(uuid(StatAdjustment::Id).primary_key())
                    .col(uuid(StatAdjustment::OrgId))
                    .col(string_len(StatAdjustment::Day, 10))
                    .col(double(StatAdjustment::Points))
                    .col(text(StatAdjustment::Reason))
                    .col(uuid(StatAdjustment::CreatedBy))
                    .col(timestamp_with_time_zone(StatAdjustment::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("stat_adjustment_day")
                    .table(StatAdjustment::Table)
                    .col(StatAdjustment::Day)
                    .col(StatAdjustment::OrgId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatAdjustment::Table).to_owned()).await
    }
}
