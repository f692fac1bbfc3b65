//! A remote org remembers the API token and webhook subscription it was set up with, so that
//! setting it up again (a new URL, lost secrets) retires them instead of leaving them live.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Org {
    Table,
    RemoteTokenId,
    RemoteWebhookId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [Org::RemoteTokenId, Org::RemoteWebhookId] {
            manager
                .alter_table(
                    Table::alter().table(Org::Table).add_column(uuid_null(column)).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Org::RemoteTokenId, Org::RemoteWebhookId] {
            manager
                .alter_table(Table::alter().table(Org::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
