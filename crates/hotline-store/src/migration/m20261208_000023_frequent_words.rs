//! Frequent words (高频词): the words of each appeal's title (`stat_word_fact`) and how many
//! appeals used each word per day (`stat_word_daily`), kept by the `stats.rollup` job with the
//! other rollups and rebuilt with them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string_len, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatWordFact {
    Table,
    TicketId,
    Word,
    Day,
}

#[derive(DeriveIden)]
enum StatWordDaily {
    Table,
    Day,
    Word,
    Appeals,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatWordFact::Table)
                    .col(uuid(StatWordFact::TicketId))
                    .col(string_len(StatWordFact::Word, 64))
                    .col(string_len(StatWordFact::Day, 10))
                    .primary_key(
                        Index::create().col(StatWordFact::TicketId).col(StatWordFact::Word),
                    )
                    .to_owned(),
            )
            .await?;
        // The tickets behind a word in a period.
        manager
            .create_index(
                Index::create()
                    .name("stat_word_fact_word_day")
                    .table(StatWordFact::Table)
                    .col(StatWordFact::Word)
                    .col(StatWordFact::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StatWordDaily::Table)
                    .col(string_len(StatWordDaily::Day, 10))
                    .col(string_len(StatWordDaily::Word, 64))
                    .col(big_integer(StatWordDaily::Appeals).default(0))
                    .primary_key(Index::create().col(StatWordDaily::Day).col(StatWordDaily::Word))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatWordDaily::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(StatWordFact::Table).to_owned()).await
    }
}
