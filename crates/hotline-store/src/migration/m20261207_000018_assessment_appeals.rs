//! Appeals against a ticket's inclusion in a unit's assessment (不纳入考核 申诉): the unit's
//! reason and evidence, the center's decision and its note. An approved appeal drops the
//! ticket out of that unit's figures; the row keeps why.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    string_len, text, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
    uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatAppeal {
    Table,
    Id,
    TicketId,
    OrgId,
    State,
    Reason,
    Evidence,
    AttachmentIds,
    FiledBy,
    FiledAt,
    DecidedBy,
    DecidedAt,
    DecisionNote,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatAppeal::Table)
                    .col(uuid(StatAppeal::Id).primary_key())
                    .col(uuid(StatAppeal::TicketId))
                    .col(uuid(StatAppeal::OrgId))
                    .col(string_len(StatAppeal::State, 16))
                    .col(string_len(StatAppeal::Reason, 32))
                    .col(text(StatAppeal::Evidence))
                    .col(text(StatAppeal::AttachmentIds))
                    .col(uuid(StatAppeal::FiledBy))
                    .col(timestamp_with_time_zone(StatAppeal::FiledAt))
                    .col(uuid_null(StatAppeal::DecidedBy))
                    .col(timestamp_with_time_zone_null(StatAppeal::DecidedAt))
                    .col(text_null(StatAppeal::DecisionNote))
                    .to_owned(),
            )
            .await?;
        for (name, column) in
            [("stat_appeal_ticket", StatAppeal::TicketId), ("stat_appeal_state", StatAppeal::State)]
        {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(StatAppeal::Table)
                        .col(column)
                        .col(StatAppeal::FiledAt)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StatAppeal::Table).to_owned()).await
    }
}
