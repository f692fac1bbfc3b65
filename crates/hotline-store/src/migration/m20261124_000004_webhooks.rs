//! Webhooks: an org's subscriptions and one delivery row per (subscription, outbox event), which
//! carries the retry state and is the delivery log people read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, integer_null, pk_uuid, string_len, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Org {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookSubscription {
    Table,
    Id,
    OrgId,
    Name,
    Url,
    SecretEnc,
    EventTypes,
    Active,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    SubscriptionId,
    EventId,
    Topic,
    TicketId,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastAttemptAt,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscription::Table)
                    .col(pk_uuid(WebhookSubscription::Id))
                    .col(uuid(WebhookSubscription::OrgId))
                    .col(string_len(WebhookSubscription::Name, 100))
                    .col(string_len(WebhookSubscription::Url, 500))
                    .col(text(WebhookSubscription::SecretEnc))
                    .col(text(WebhookSubscription::EventTypes))
                    .col(boolean(WebhookSubscription::Active))
                    .col(uuid_null(WebhookSubscription::CreatedBy))
                    .col(timestamp_with_time_zone(WebhookSubscription::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookSubscription::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_subscription_org")
                            .from(WebhookSubscription::Table, WebhookSubscription::OrgId)
                            .to(Org::Table, Org::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(pk_uuid(WebhookDelivery::Id))
                    .col(uuid(WebhookDelivery::SubscriptionId))
                    .col(uuid(WebhookDelivery::EventId))
                    .col(string_len(WebhookDelivery::Topic, 64))
                    .col(uuid_null(WebhookDelivery::TicketId))
                    .col(text(WebhookDelivery::Body))
                    .col(string_len(WebhookDelivery::Status, 16))
                    .col(integer(WebhookDelivery::Attempts))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::LastAttemptAt))
                    .col(integer_null(WebhookDelivery::LastStatus))
                    .col(text_null(WebhookDelivery::LastError))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_delivery_subscription")
                            .from(WebhookDelivery::Table, WebhookDelivery::SubscriptionId)
                            .to(WebhookSubscription::Table, WebhookSubscription::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // One delivery per event and subscription, however often the fan-out runs.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_delivery_event")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::SubscriptionId)
                    .col(WebhookDelivery::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_delivery_due")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::Status)
                    .col(WebhookDelivery::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookDelivery::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookSubscription::Table).to_owned()).await
    }
}
