//! On-duty figures counted ahead (值班统计): each ticket's counts per local day × hour × agent ×
//! channel (`stat_duty_fact`: its contacts and its registration) and their sums
//! (`stat_duty_hourly`), kept by the `stats.rollup` job in the same write as the daily sums.
//! No agent (an intake app, the portal) is kept as the nil id, so keys have no NULLs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, small_integer, string_len, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatDutyFact {
    Table,
    TicketId,
}

#[derive(DeriveIden)]
enum StatDutyHourly {
    Table,
}

/// The key's columns and the measures' (as in `hotline_domain::duty::DutyMeasures::COLUMNS`).
const KEY: [&str; 4] = ["day", "hour", "agent_id", "channel"];
const MEASURES: [&str; 6] =
    ["contacts", "registered", "answered", "dispatched", "reopened", "returned"];

fn with_columns(table: &mut TableCreateStatement) {
    table
        .col(string_len(Alias::new(KEY[0]), 10))
        .col(small_integer(Alias::new(KEY[1])))
        .col(uuid(Alias::new(KEY[2])))
        .col(string_len(Alias::new(KEY[3]), 16));
    for m in MEASURES {
        table.col(big_integer(Alias::new(m)).default(0));
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut facts = Table::create();
        facts.table(StatDutyFact::Table).col(uuid(StatDutyFact::TicketId));
        with_columns(&mut facts);
        manager.create_table(facts).await?;
        manager
            .create_index(
                Index::create()
                    .name("stat_duty_fact_ticket")
                    .table(StatDutyFact::Table)
                    .col(StatDutyFact::TicketId)
                    .to_owned(),
            )
            .await?;
        let mut hourly = Table::create();
        hourly.table(StatDutyHourly::Table);
        with_columns(&mut hourly);
        let mut key = Index::create();
        for column in KEY {
            key.col(Alias::new(column));
        }
        hourly.primary_key(&mut key);
        manager.create_table(hourly).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatDutyHourly::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatDutyFact::Table).to_owned()).await
    }
}
