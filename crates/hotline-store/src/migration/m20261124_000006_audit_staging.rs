//! Audit records staged by a change's own transaction and sealed onto the chain in batches
//! right after it commits (PostgreSQL): the change no longer holds the chain's head lock until
//! its commit is flushed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_pk_auto, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditStaged {
    Table,
    Id,
    Record,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditStaged::Table)
                    .col(big_pk_auto(AuditStaged::Id))
                    .col(text(AuditStaged::Record))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditStaged::Table).to_owned()).await
    }
}
