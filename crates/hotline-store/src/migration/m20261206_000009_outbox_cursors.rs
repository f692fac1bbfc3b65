//! Every outbox consumer keeps its own place: `outbox_cursor` (a floor below which it has
//! handled every event, and a lease so one instance at a time consumes) and `outbox_done` (the
//! events at or above the floor it has handled; commits arrive out of id order, so a plain
//! position would skip a late one). The one `processed_at` mark of the single consumer before
//! goes; the two consumers it served (webhooks, federation) start where it stood.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, timestamp_with_time_zone_null, uuid, uuid_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxCursor {
    Table,
    Consumer,
    Floor,
    LeaseOwner,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum OutboxDone {
    Table,
    Consumer,
    EventId,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    ProcessedAt,
    Attempts,
    LastError,
}

/// Where the old single consumer stood: its first unhandled event, or past the last one.
const CURSORS: &str = "INSERT INTO outbox_cursor (consumer, floor) \
    SELECT c.consumer, COALESCE( \
        (SELECT id FROM outbox_event WHERE processed_at IS NULL ORDER BY id LIMIT 1), \
        (SELECT id FROM outbox_event ORDER BY id DESC LIMIT 1)) \
    FROM (SELECT 'webhooks' AS consumer UNION ALL SELECT 'federation') c \
    WHERE EXISTS (SELECT 1 FROM outbox_event)";
const DONE: &str = "INSERT INTO outbox_done (consumer, event_id) \
    SELECT c.consumer, e.id FROM outbox_cursor c JOIN outbox_event e ON e.id >= c.floor \
    WHERE e.processed_at IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxCursor::Table)
                    .col(string_len(OutboxCursor::Consumer, 64).primary_key())
                    .col(uuid(OutboxCursor::Floor))
                    .col(uuid_null(OutboxCursor::LeaseOwner))
                    .col(timestamp_with_time_zone_null(OutboxCursor::LeaseUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxDone::Table)
                    .col(string_len(OutboxDone::Consumer, 64))
                    .col(uuid(OutboxDone::EventId))
                    .primary_key(Index::create().col(OutboxDone::Consumer).col(OutboxDone::EventId))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(CURSORS).await?;
        db.execute_unprepared(DONE).await?;
        manager
            .drop_index(
                Index::drop().name("idx_outbox_pending").table(OutboxEvent::Table).to_owned(),
            )
            .await?;
        // One column per statement: SQLite drops one at a time.
        for column in [OutboxEvent::ProcessedAt, OutboxEvent::Attempts, OutboxEvent::LastError] {
            manager
                .alter_table(
                    Table::alter().table(OutboxEvent::Table).drop_column(column).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("the outbox's per-event marks are not restored".to_owned()))
    }
}
