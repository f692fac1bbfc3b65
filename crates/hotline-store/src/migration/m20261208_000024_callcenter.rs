//! The call center (呼叫中心): seats (extensions), queues (lines by dialled number), agents with
//! their skills and current state, every change of an agent's state, and one record per call.
//! Lists that are read and written whole (a queue's numbers and skills, an agent's skills and
//! state, a call's offers) are JSON text.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer_null, string_len, string_len_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CcSeat {
    Table,
    Id,
    Extension,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CcQueue {
    Table,
    Id,
    Name,
    Settings,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CcAgent {
    Table,
    UserId,
    Skills,
    SeatId,
    State,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CcAgentEvent {
    Table,
    Id,
    UserId,
    At,
    Input,
    FromStatus,
    ToStatus,
    Reason,
    CallId,
}

#[derive(DeriveIden)]
enum CcCall {
    Table,
    Id,
    SipCallId,
    AniEnc,
    AniIdx,
    Dnis,
    QueueId,
    Lang,
    OfferedAt,
    AnsweredAt,
    EndedAt,
    AgentId,
    Disposition,
    EndCause,
    QueueWaitS,
    TalkS,
    WithinSl,
    TicketId,
    Offers,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CcSeat::Table)
                    .col(uuid(CcSeat::Id).primary_key())
                    .col(string_len(CcSeat::Extension, 32).unique_key())
                    .col(string_len(CcSeat::Name, 100))
                    .col(timestamp_with_time_zone(CcSeat::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CcQueue::Table)
                    .col(uuid(CcQueue::Id).primary_key())
                    .col(string_len(CcQueue::Name, 100).unique_key())
                    .col(text(CcQueue::Settings))
                    .col(boolean(CcQueue::Active))
                    .col(timestamp_with_time_zone(CcQueue::CreatedAt))
                    .col(timestamp_with_time_zone(CcQueue::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CcAgent::Table)
                    .col(uuid(CcAgent::UserId).primary_key())
                    .col(text(CcAgent::Skills))
                    // One agent per seat: NULLs (logged out) do not collide.
                    .col(uuid_null(CcAgent::SeatId).unique_key())
                    .col(text(CcAgent::State))
                    .col(timestamp_with_time_zone(CcAgent::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CcAgentEvent::Table)
                    .col(uuid(CcAgentEvent::Id).primary_key())
                    .col(uuid(CcAgentEvent::UserId))
                    .col(timestamp_with_time_zone(CcAgentEvent::At))
                    .col(string_len(CcAgentEvent::Input, 32))
                    .col(string_len(CcAgentEvent::FromStatus, 16))
                    .col(string_len(CcAgentEvent::ToStatus, 16))
                    .col(string_len_null(CcAgentEvent::Reason, 32))
                    .col(string_len_null(CcAgentEvent::CallId, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cc_agent_event_user_at")
                    .table(CcAgentEvent::Table)
                    .col(CcAgentEvent::UserId)
                    .col(CcAgentEvent::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CcCall::Table)
                    .col(uuid(CcCall::Id).primary_key())
                    .col(string_len(CcCall::SipCallId, 200).unique_key())
                    .col(text_null(CcCall::AniEnc))
                    .col(string_len_null(CcCall::AniIdx, 64))
                    .col(string_len(CcCall::Dnis, 32))
                    .col(uuid_null(CcCall::QueueId))
                    .col(string_len_null(CcCall::Lang, 16))
                    .col(timestamp_with_time_zone(CcCall::OfferedAt))
                    .col(timestamp_with_time_zone_null(CcCall::AnsweredAt))
                    .col(timestamp_with_time_zone_null(CcCall::EndedAt))
                    .col(uuid_null(CcCall::AgentId))
                    .col(string_len_null(CcCall::Disposition, 24))
                    .col(integer_null(CcCall::EndCause))
                    .col(integer_null(CcCall::QueueWaitS))
                    .col(integer_null(CcCall::TalkS))
                    .col(boolean(CcCall::WithinSl).default(false))
                    .col(uuid_null(CcCall::TicketId))
                    .col(text(CcCall::Offers))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cc_call_offered_at")
                    .table(CcCall::Table)
                    .col(CcCall::OfferedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cc_call_ani_idx")
                    .table(CcCall::Table)
                    .col(CcCall::AniIdx)
                    .col(CcCall::OfferedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CcCall::Table.into_iden(),
            CcAgentEvent::Table.into_iden(),
            CcAgent::Table.into_iden(),
            CcQueue::Table.into_iden(),
            CcSeat::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
