//! Whether a unit reviews the replies of the sub-units it re-dispatches to before they go up
//! (the district reviewing its streets). On by default, as the lifecycle now expects.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::boolean;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Org {
    Table,
    ReviewsReplies,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Org::Table)
                    .add_column(boolean(Org::ReviewsReplies).default(true))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Org::Table).drop_column(Org::ReviewsReplies).to_owned(),
            )
            .await
    }
}
