//! The daily briefing (要情摘报) that supervisors compile from agents' excerpts (拟摘) for the
//! leaders, its items in order (each one ticket's headline and text), and the count of leaders'
//! instructions (批示) a ticket carries, so work lists can flag them without reading timelines.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, string_len, text, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
    uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Briefing {
    Table,
    Id,
    Day,
    Title,
    Foreword,
    State,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum BriefingItem {
    Table,
    Id,
    BriefingId,
    Position,
    TicketId,
    Headline,
    Body,
}

#[derive(DeriveIden)]
enum Ticket {
    Table,
    InstructionCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Briefing::Table)
                    .col(uuid(Briefing::Id).primary_key())
                    .col(string_len(Briefing::Day, 10))
                    .col(text(Briefing::Title))
                    .col(text(Briefing::Foreword))
                    .col(string_len(Briefing::State, 16))
                    .col(integer(Briefing::Version))
                    .col(uuid(Briefing::CreatedBy))
                    .col(timestamp_with_time_zone(Briefing::CreatedAt))
                    .col(timestamp_with_time_zone(Briefing::UpdatedAt))
                    .col(uuid_null(Briefing::PublishedBy))
                    .col(timestamp_with_time_zone_null(Briefing::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("briefing_day")
                    .table(Briefing::Table)
                    .col(Briefing::Day)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BriefingItem::Table)
                    .col(uuid(BriefingItem::Id).primary_key())
                    .col(uuid(BriefingItem::BriefingId))
                    .col(integer(BriefingItem::Position))
                    .col(uuid(BriefingItem::TicketId))
                    .col(text(BriefingItem::Headline))
                    .col(text(BriefingItem::Body))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BriefingItem::Table, BriefingItem::BriefingId)
                            .to(Briefing::Table, Briefing::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("briefing_item_briefing", BriefingItem::BriefingId),
            ("briefing_item_ticket", BriefingItem::TicketId),
        ] {
            manager
                .create_index(
                    Index::create().name(name).table(BriefingItem::Table).col(column).to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Ticket::Table)
                    .add_column(integer(Ticket::InstructionCount).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Ticket::Table)
                    .drop_column(Ticket::InstructionCount)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(BriefingItem::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Briefing::Table).to_owned()).await
    }
}
