//! Federation between hotline instances (city ↔ district): orgs whose work happens elsewhere,
//! the peers an instance takes work from, links between a ticket and its copy, the events
//! received (for de-duplication) and the reports queued for the peer.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, pk_uuid, string_len, string_len_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Org {
    Table,
    Id,
    RemoteUrl,
}

#[derive(DeriveIden)]
enum Ticket {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FederationPeer {
    Table,
    Id,
    Name,
    OrgId,
    Url,
    TokenEnc,
    SecretEnc,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FederationLink {
    Table,
    Id,
    PeerId,
    RemoteTicketId,
    RemoteNumber,
    LocalTicketId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FederationInbox {
    Table,
    EventId,
    PeerId,
    Topic,
    Outcome,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum FederationOutbound {
    Table,
    Id,
    PeerId,
    EventId,
    LocalTicketId,
    RemoteTicketId,
    Action,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastStatus,
    LastError,
    CreatedAt,
    DoneAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Org::Table)
                    .add_column(string_len_null(Org::RemoteUrl, 500))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FederationPeer::Table)
                    .col(pk_uuid(FederationPeer::Id))
                    .col(string_len(FederationPeer::Name, 100))
                    .col(uuid(FederationPeer::OrgId))
                    .col(string_len(FederationPeer::Url, 500))
                    .col(text(FederationPeer::TokenEnc))
                    .col(text(FederationPeer::SecretEnc))
                    .col(boolean(FederationPeer::Active))
                    .col(timestamp_with_time_zone(FederationPeer::CreatedAt))
                    .col(timestamp_with_time_zone(FederationPeer::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_federation_peer_org",
                        (FederationPeer::Table, FederationPeer::OrgId),
                        (Org::Table, Org::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FederationLink::Table)
                    .col(pk_uuid(FederationLink::Id))
                    .col(uuid(FederationLink::PeerId))
                    .col(uuid(FederationLink::RemoteTicketId))
                    .col(string_len(FederationLink::RemoteNumber, 32))
                    .col(uuid(FederationLink::LocalTicketId))
                    .col(timestamp_with_time_zone(FederationLink::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_federation_link_peer",
                        (FederationLink::Table, FederationLink::PeerId),
                        (FederationPeer::Table, FederationPeer::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_federation_link_ticket",
                        (FederationLink::Table, FederationLink::LocalTicketId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_federation_link_local")
                    .table(FederationLink::Table)
                    .col(FederationLink::LocalTicketId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_federation_link_remote")
                    .table(FederationLink::Table)
                    .col(FederationLink::PeerId)
                    .col(FederationLink::RemoteTicketId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FederationInbox::Table)
                    .col(uuid(FederationInbox::EventId).primary_key())
                    .col(uuid(FederationInbox::PeerId))
                    .col(string_len(FederationInbox::Topic, 64))
                    .col(string_len(FederationInbox::Outcome, 64))
                    .col(timestamp_with_time_zone(FederationInbox::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FederationOutbound::Table)
                    .col(pk_uuid(FederationOutbound::Id))
                    .col(uuid(FederationOutbound::PeerId))
                    .col(uuid(FederationOutbound::EventId))
                    .col(uuid(FederationOutbound::LocalTicketId))
                    .col(uuid(FederationOutbound::RemoteTicketId))
                    .col(string_len(FederationOutbound::Action, 32))
                    .col(text(FederationOutbound::Body))
                    .col(string_len(FederationOutbound::Status, 16))
                    .col(integer(FederationOutbound::Attempts))
                    .col(timestamp_with_time_zone(FederationOutbound::NextAttemptAt))
                    .col(integer_null(FederationOutbound::LastStatus))
                    .col(text_null(FederationOutbound::LastError))
                    .col(timestamp_with_time_zone(FederationOutbound::CreatedAt))
                    .col(timestamp_with_time_zone_null(FederationOutbound::DoneAt))
                    .foreign_key(&mut fk(
                        "fk_federation_outbound_peer",
                        (FederationOutbound::Table, FederationOutbound::PeerId),
                        (FederationPeer::Table, FederationPeer::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_federation_outbound_event")
                    .table(FederationOutbound::Table)
                    .col(FederationOutbound::EventId)
                    .col(FederationOutbound::Action)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_federation_outbound_pending")
                    .table(FederationOutbound::Table)
                    .col(FederationOutbound::Status)
                    .col(FederationOutbound::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FederationOutbound::Table.into_iden(),
            FederationInbox::Table.into_iden(),
            FederationLink::Table.into_iden(),
            FederationPeer::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(Org::Table).drop_column(Org::RemoteUrl).to_owned())
            .await
    }
}
