//! The leaders' overview counted ahead: where each work order stands now (`stat_now_fact`: its
//! state, holder, overdue flag and rating) and how many stand so (`stat_now`). Kept by the
//! `stats.rollup` job with the daily sums, so the overview reads a few hundred rows at any
//! number of tickets instead of grouping the ticket table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, boolean, string_len, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatNowFact {
    Table,
    TicketId,
    State,
    OrgId,
    Overdue,
    Satisfaction,
}

#[derive(DeriveIden)]
enum StatNow {
    Table,
    State,
    OrgId,
    Overdue,
    Satisfaction,
    N,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // No holder and no rating are kept as the nil id and '', so the key has no NULLs.
        manager
            .create_table(
                Table::create()
                    .table(StatNowFact::Table)
                    .col(uuid(StatNowFact::TicketId).primary_key())
                    .col(string_len(StatNowFact::State, 32))
                    .col(uuid(StatNowFact::OrgId))
                    .col(boolean(StatNowFact::Overdue))
                    .col(string_len(StatNowFact::Satisfaction, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StatNow::Table)
                    .col(string_len(StatNow::State, 32))
                    .col(uuid(StatNow::OrgId))
                    .col(boolean(StatNow::Overdue))
                    .col(string_len(StatNow::Satisfaction, 32))
                    .col(big_integer(StatNow::N).default(0))
                    .primary_key(
                        Index::create()
                            .col(StatNow::State)
                            .col(StatNow::OrgId)
                            .col(StatNow::Overdue)
                            .col(StatNow::Satisfaction),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatNow::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatNowFact::Table).to_owned()).await
    }
}
