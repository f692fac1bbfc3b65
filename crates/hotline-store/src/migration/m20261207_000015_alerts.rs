//! Early warning: the alerts inbox. `dedupe_key` keeps one open alert per matter (a hotspot's
//! place and kind, a caller), so a rule firing again adds tickets to it instead of a new alert.
//! And an index for the hotspot rule, which asks for each new appeal how often its address and
//! category came in the last days.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    string_len, string_len_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Alert {
    Table,
    Id,
    Kind,
    State,
    DedupeKey,
    Title,
    Detail,
    TicketIds,
    RegionId,
    CategoryId,
    AssigneeId,
    Note,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Ticket {
    Table,
    Address,
    CategoryId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alert::Table)
                    .col(uuid(Alert::Id).primary_key())
                    .col(string_len(Alert::Kind, 32))
                    .col(string_len(Alert::State, 16))
                    .col(string_len_null(Alert::DedupeKey, 200))
                    .col(string_len(Alert::Title, 300))
                    .col(text(Alert::Detail))
                    .col(text(Alert::TicketIds))
                    .col(uuid_null(Alert::RegionId))
                    .col(uuid_null(Alert::CategoryId))
                    .col(uuid_null(Alert::AssigneeId))
                    .col(text_null(Alert::Note))
                    .col(timestamp_with_time_zone(Alert::CreatedAt))
                    .col(timestamp_with_time_zone(Alert::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Alert::ClosedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_state_created")
                    .table(Alert::Table)
                    .col(Alert::State)
                    .col(Alert::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_dedupe")
                    .table(Alert::Table)
                    .col(Alert::DedupeKey)
                    .col(Alert::State)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ticket_place")
                    .table(Ticket::Table)
                    .col(Ticket::Address)
                    .col(Ticket::CategoryId)
                    .col(Ticket::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_ticket_place").table(Ticket::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Alert::Table).to_owned()).await
    }
}
