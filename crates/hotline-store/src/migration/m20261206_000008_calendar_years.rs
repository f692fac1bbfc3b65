//! A year's schedule is known when it was loaded or confirmed as a whole, not because one of
//! its days was entered: `calendar_year` lists those years. Years seeded from the State
//! Council's notices before this table existed are confirmed here.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, string_len, timestamp_with_time_zone};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CalendarYear {
    Table,
    Year,
    Source,
    ConfirmedAt,
}

const SQLITE_BACKFILL: &str = "INSERT INTO calendar_year (year, source, confirmed_at) \
    SELECT CAST(strftime('%Y', day) AS INTEGER), MIN(source), MIN(updated_at) \
    FROM calendar_day WHERE source LIKE '国务院%' GROUP BY strftime('%Y', day)";
const POSTGRES_BACKFILL: &str = "INSERT INTO calendar_year (year, source, confirmed_at) \
    SELECT EXTRACT(YEAR FROM day)::integer, MIN(source), MIN(updated_at) \
    FROM calendar_day WHERE source LIKE '国务院%' GROUP BY EXTRACT(YEAR FROM day)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarYear::Table)
                    .col(integer(CalendarYear::Year).primary_key())
                    .col(string_len(CalendarYear::Source, 255))
                    .col(timestamp_with_time_zone(CalendarYear::ConfirmedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backfill = match db.get_database_backend() {
            DbBackend::Sqlite => SQLITE_BACKFILL,
            DbBackend::Postgres => POSTGRES_BACKFILL,
            other => {
                return Err(DbErr::Migration(format!("unsupported database backend {other:?}")));
            }
        };
        db.execute_unprepared(backfill).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CalendarYear::Table).to_owned()).await
    }
}
