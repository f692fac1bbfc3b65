//! Statistics: what each ticket counts for each org (`stat_fact`), their sums per day × org ×
//! category × channel (`stat_daily`) and per day × org (`stat_unit_daily`, what unit figures
//! read: a month is a few hundred rows however many tickets there are). All are derived from
//! the tickets and kept by the `stats.rollup` job; `hotline stats rebuild` recomputes them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string_len, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatFact {
    Table,
    TicketId,
    OrgId,
    Day,
    CategoryId,
    Channel,
}

#[derive(DeriveIden)]
enum StatUnitDaily {
    Table,
    Day,
    OrgId,
}

#[derive(DeriveIden)]
enum StatDaily {
    Table,
    Day,
    OrgId,
    CategoryId,
    Channel,
}

/// The measures this migration creates, frozen here: a measure added later brings a
/// migration of its own.
const MEASURES: &[&str] = &[
    "intake",
    "answered_directly",
    "assigned",
    "received",
    "accept_due",
    "accepted_on_time",
    "responded_on_time",
    "finished",
    "finish_due",
    "finished_on_time",
    "finish_minutes",
    "extended",
    "urged",
    "supervised",
    "reopened",
    "first_time",
    "return_requested",
    "return_approved",
    "return_overruled",
    "sent_back",
    "callback_due",
    "callback_done",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "resolution_asked",
    "resolved",
];

fn with_measures(mut table: TableCreateStatement) -> TableCreateStatement {
    for name in MEASURES {
        table.col(big_integer(Alias::new(format!("m_{name}"))).default(0));
    }
    table
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A ticket without a category counts under the nil id, so the key has no NULLs.
        manager
            .create_table(with_measures(
                Table::create()
                    .table(StatFact::Table)
                    .col(uuid(StatFact::TicketId))
                    .col(uuid(StatFact::OrgId))
                    .col(string_len(StatFact::Day, 10))
                    .col(uuid(StatFact::CategoryId))
                    .col(string_len(StatFact::Channel, 16))
                    .primary_key(Index::create().col(StatFact::TicketId).col(StatFact::OrgId))
                    .to_owned(),
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("stat_fact_org_day")
                    .table(StatFact::Table)
                    .col(StatFact::OrgId)
                    .col(StatFact::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(with_measures(
                Table::create()
                    .table(StatDaily::Table)
                    .col(string_len(StatDaily::Day, 10))
                    .col(uuid(StatDaily::OrgId))
                    .col(uuid(StatDaily::CategoryId))
                    .col(string_len(StatDaily::Channel, 16))
                    .primary_key(
                        Index::create()
                            .col(StatDaily::Day)
                            .col(StatDaily::OrgId)
                            .col(StatDaily::CategoryId)
                            .col(StatDaily::Channel),
                    )
                    .to_owned(),
            ))
            .await?;
        manager
            .create_table(with_measures(
                Table::create()
                    .table(StatUnitDaily::Table)
                    .col(string_len(StatUnitDaily::Day, 10))
                    .col(uuid(StatUnitDaily::OrgId))
                    .primary_key(Index::create().col(StatUnitDaily::Day).col(StatUnitDaily::OrgId))
                    .to_owned(),
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatUnitDaily::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatDaily::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatFact::Table).to_owned()).await
    }
}
