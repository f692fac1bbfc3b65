//! Searching closed tickets, newest first, on PostgreSQL. Closed tickets are most of the table,
//! but the newest tickets are open ones, so walking `idx_ticket_created` backwards for a page of
//! closed ones first visits every newer ticket still open (after a burst of intake at 1M
//! tickets: 31,000 heap rows for the 41 of page 2, 21 ms). The planner cannot know
//! that states cluster in time, and a plain partial index ties with that walk in its estimate.
//! This one also carries what such a search filters on, so PostgreSQL answers it from the index
//! alone and says so in its estimate (0.5 ms). Measured in
//! `bench/results/2026-11-25-epyc-intake-cache-and-closed-search.md`. SQLite plans the search
//! well without it, and would not use it for a state given as a bound parameter.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "idx_ticket_closed_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {NAME} ON ticket (created_at, id) INCLUDE (category_id, title) \
                 WHERE state = 'closed'"
            ))
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX IF EXISTS {NAME}"))
            .await
            .map(|_| ())
    }
}
