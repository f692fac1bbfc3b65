//! The work-order desk as its users work (issue #18): the callback requirement (回访要求) and a
//! contact number (联系电话) apart from the calling number; attachments tied to the timeline
//! entry they came with (a reply's photos); search words for categories; a user's own
//! preferences; common phrases (常用语), personal or shared.
//!
//! SQLite alters one column per statement, so every column is its own step.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, pk_uuid, string_len, string_len_null, text, text_null, timestamp_with_time_zone,
    uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Ticket {
    Table,
    CallbackRequirement,
    ContactPhoneEnc,
    ContactPhoneMasked,
}

#[derive(DeriveIden)]
enum Attachment {
    Table,
    EventId,
}

#[derive(DeriveIden)]
enum Category {
    Table,
    Keywords,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Preferences,
}

#[derive(DeriveIden)]
enum Phrase {
    Table,
    Id,
    OwnerId,
    Purpose,
    Content,
    SortOrder,
    CreatedAt,
    UpdatedAt,
}

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    let mut column = column;
    manager.alter_table(Table::alter().table(table).add_column(&mut column).to_owned()).await
}

async fn drop(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager.alter_table(Table::alter().table(table).drop_column(column).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            Ticket::Table,
            string_len(Ticket::CallbackRequirement, 16).default("required").to_owned(),
        )
        .await?;
        add(manager, Ticket::Table, text_null(Ticket::ContactPhoneEnc)).await?;
        add(manager, Ticket::Table, string_len_null(Ticket::ContactPhoneMasked, 32)).await?;
        add(manager, Attachment::Table, uuid_null(Attachment::EventId)).await?;
        add(manager, Category::Table, text_null(Category::Keywords)).await?;
        add(manager, AppUser::Table, text_null(AppUser::Preferences)).await?;
        manager
            .create_table(
                Table::create()
                    .table(Phrase::Table)
                    .col(pk_uuid(Phrase::Id))
                    // None: shared by everyone, kept by supervisors.
                    .col(uuid_null(Phrase::OwnerId))
                    .col(string_len(Phrase::Purpose, 16))
                    .col(text(Phrase::Content))
                    .col(integer(Phrase::SortOrder).default(0))
                    .col(timestamp_with_time_zone(Phrase::CreatedAt))
                    .col(timestamp_with_time_zone(Phrase::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("phrase_owner")
                    .table(Phrase::Table)
                    .col(Phrase::OwnerId)
                    .col(Phrase::SortOrder)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Phrase::Table).to_owned()).await?;
        drop(manager, AppUser::Table, AppUser::Preferences).await?;
        drop(manager, Category::Table, Category::Keywords).await?;
        drop(manager, Attachment::Table, Attachment::EventId).await?;
        drop(manager, Ticket::Table, Ticket::ContactPhoneMasked).await?;
        drop(manager, Ticket::Table, Ticket::ContactPhoneEnc).await?;
        drop(manager, Ticket::Table, Ticket::CallbackRequirement).await
    }
}
