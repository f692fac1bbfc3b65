//! Work orders: reference data (categories, calendar, SLA policies, routing catalogue),
//! tickets with their timeline, contacts, attachments and timers, the outbox, idempotency keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, boolean_null, date, double_null, integer, pk_uuid, small_integer,
    string_len, string_len_null, string_len_uniq, text, text_null, timestamp_with_time_zone,
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
enum Category {
    Table,
    Id,
    Code,
    Name,
    ParentId,
    Level,
    Path,
    Active,
    SortOrder,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CalendarDay {
    Table,
    Day,
    Kind,
    Name,
    Source,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SlaPolicy {
    Table,
    Id,
    Name,
    CategoryId,
    Urgency,
    AcceptAmount,
    AcceptUnit,
    ResponseAmount,
    ResponseUnit,
    FinishAmount,
    FinishUnit,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoutingRule {
    Table,
    Id,
    CategoryId,
    RegionOrgId,
    OrgId,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Ticket {
    Table,
    Id,
    Number,
    ParentId,
    MasterId,
    State,
    HandlingType,
    CallerNameEnc,
    CallerNameMasked,
    CallerPhoneEnc,
    CallerPhoneIdx,
    CallerPhoneMasked,
    Title,
    Content,
    Demand,
    OccurredAt,
    Address,
    Latitude,
    Longitude,
    CategoryId,
    AppealType,
    Urgency,
    Channel,
    Confidential,
    Emergency,
    RegionOrgId,
    HolderOrgId,
    DispatchedByOrgId,
    Excerpt,
    Notes,
    ReplyContent,
    CloseReason,
    AcceptDue,
    ResponseDue,
    FinishDue,
    OriginalFinishDue,
    DispatchedAt,
    AcceptedAt,
    FirstContactAt,
    RepliedAt,
    ClosedAt,
    Overdue,
    AcceptOverdue,
    ResponseOverdue,
    UrgedCount,
    SupervisionLevel,
    ReopenedCount,
    ReturnedCount,
    CallbackAttempts,
    Satisfaction,
    Resolved,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum TicketEvent {
    Table,
    Id,
    TicketId,
    At,
    Action,
    ActorId,
    ActorName,
    ActorOrgId,
    FromState,
    ToState,
    OrgId,
    Opinion,
    Detail,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
    TicketId,
    Channel,
    ReceivedAt,
    CallerPhoneEnc,
    CallerPhoneIdx,
    RawText,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Attachment {
    Table,
    Id,
    TicketId,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TicketTimer {
    Table,
    Id,
    TicketId,
    Kind,
    DeadlineAt,
    DueAt,
    FiredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Id,
    Topic,
    TicketId,
    Payload,
    CreatedAt,
    ProcessedAt,
    Attempts,
    LastError,
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    ActorId,
    Key,
    TicketId,
    RequestHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TicketCounter {
    Table,
    Day,
    Last,
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

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Category::Table)
                    .col(pk_uuid(Category::Id))
                    .col(string_len_uniq(Category::Code, 16))
                    .col(string_len(Category::Name, 100))
                    .col(uuid_null(Category::ParentId))
                    .col(small_integer(Category::Level))
                    .col(string_len(Category::Path, 255))
                    .col(boolean(Category::Active))
                    .col(integer(Category::SortOrder))
                    .col(timestamp_with_time_zone(Category::CreatedAt))
                    .col(timestamp_with_time_zone(Category::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_category_parent",
                        (Category::Table, Category::ParentId),
                        (Category::Table, Category::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_category_parent", Category::Table, &["parent_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarDay::Table)
                    .col(date(CalendarDay::Day).primary_key())
                    .col(string_len(CalendarDay::Kind, 16))
                    .col(string_len(CalendarDay::Name, 50))
                    .col(string_len(CalendarDay::Source, 255))
                    .col(timestamp_with_time_zone(CalendarDay::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SlaPolicy::Table)
                    .col(pk_uuid(SlaPolicy::Id))
                    .col(string_len(SlaPolicy::Name, 100))
                    .col(uuid_null(SlaPolicy::CategoryId))
                    .col(string_len_null(SlaPolicy::Urgency, 16))
                    .col(integer(SlaPolicy::AcceptAmount))
                    .col(string_len(SlaPolicy::AcceptUnit, 16))
                    .col(integer(SlaPolicy::ResponseAmount))
                    .col(string_len(SlaPolicy::ResponseUnit, 16))
                    .col(integer(SlaPolicy::FinishAmount))
                    .col(string_len(SlaPolicy::FinishUnit, 16))
                    .col(boolean(SlaPolicy::Active))
                    .col(timestamp_with_time_zone(SlaPolicy::CreatedAt))
                    .col(timestamp_with_time_zone(SlaPolicy::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_sla_policy_category",
                        (SlaPolicy::Table, SlaPolicy::CategoryId),
                        (Category::Table, Category::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoutingRule::Table)
                    .col(pk_uuid(RoutingRule::Id))
                    .col(uuid(RoutingRule::CategoryId))
                    .col(uuid_null(RoutingRule::RegionOrgId))
                    .col(uuid(RoutingRule::OrgId))
                    .col(boolean(RoutingRule::Active))
                    .col(timestamp_with_time_zone(RoutingRule::CreatedAt))
                    .col(timestamp_with_time_zone(RoutingRule::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_routing_rule_category",
                        (RoutingRule::Table, RoutingRule::CategoryId),
                        (Category::Table, Category::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_routing_rule_region",
                        (RoutingRule::Table, RoutingRule::RegionOrgId),
                        (Org::Table, Org::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_routing_rule_org",
                        (RoutingRule::Table, RoutingRule::OrgId),
                        (Org::Table, Org::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Ticket::Table)
                    .col(pk_uuid(Ticket::Id))
                    .col(string_len_uniq(Ticket::Number, 24))
                    .col(uuid_null(Ticket::ParentId))
                    .col(uuid_null(Ticket::MasterId))
                    .col(string_len(Ticket::State, 24))
                    .col(string_len_null(Ticket::HandlingType, 16))
                    .col(text_null(Ticket::CallerNameEnc))
                    .col(string_len_null(Ticket::CallerNameMasked, 64))
                    .col(text_null(Ticket::CallerPhoneEnc))
                    .col(string_len_null(Ticket::CallerPhoneIdx, 64))
                    .col(string_len_null(Ticket::CallerPhoneMasked, 32))
                    .col(string_len(Ticket::Title, 200))
                    .col(text(Ticket::Content))
                    .col(text_null(Ticket::Demand))
                    .col(timestamp_with_time_zone_null(Ticket::OccurredAt))
                    .col(string_len_null(Ticket::Address, 255))
                    .col(double_null(Ticket::Latitude))
                    .col(double_null(Ticket::Longitude))
                    .col(uuid_null(Ticket::CategoryId))
                    .col(string_len(Ticket::AppealType, 16))
                    .col(string_len(Ticket::Urgency, 16))
                    .col(string_len(Ticket::Channel, 16))
                    .col(boolean(Ticket::Confidential))
                    .col(boolean(Ticket::Emergency))
                    .col(uuid_null(Ticket::RegionOrgId))
                    .col(uuid_null(Ticket::HolderOrgId))
                    .col(uuid_null(Ticket::DispatchedByOrgId))
                    .col(text_null(Ticket::Excerpt))
                    .col(text_null(Ticket::Notes))
                    .col(text_null(Ticket::ReplyContent))
                    .col(string_len_null(Ticket::CloseReason, 32))
                    .col(timestamp_with_time_zone_null(Ticket::AcceptDue))
                    .col(timestamp_with_time_zone_null(Ticket::ResponseDue))
                    .col(timestamp_with_time_zone_null(Ticket::FinishDue))
                    .col(timestamp_with_time_zone_null(Ticket::OriginalFinishDue))
                    .col(timestamp_with_time_zone_null(Ticket::DispatchedAt))
                    .col(timestamp_with_time_zone_null(Ticket::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Ticket::FirstContactAt))
                    .col(timestamp_with_time_zone_null(Ticket::RepliedAt))
                    .col(timestamp_with_time_zone_null(Ticket::ClosedAt))
                    .col(boolean(Ticket::Overdue))
                    .col(boolean(Ticket::AcceptOverdue))
                    .col(boolean(Ticket::ResponseOverdue))
                    .col(integer(Ticket::UrgedCount))
                    .col(integer(Ticket::SupervisionLevel))
                    .col(integer(Ticket::ReopenedCount))
                    .col(integer(Ticket::ReturnedCount))
                    .col(integer(Ticket::CallbackAttempts))
                    .col(string_len_null(Ticket::Satisfaction, 24))
                    .col(boolean_null(Ticket::Resolved))
                    .col(uuid_null(Ticket::CreatedBy))
                    .col(timestamp_with_time_zone(Ticket::CreatedAt))
                    .col(timestamp_with_time_zone(Ticket::UpdatedAt))
                    .col(integer(Ticket::Version))
                    .foreign_key(&mut fk(
                        "fk_ticket_parent",
                        (Ticket::Table, Ticket::ParentId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ticket_master",
                        (Ticket::Table, Ticket::MasterId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ticket_category",
                        (Ticket::Table, Ticket::CategoryId),
                        (Category::Table, Category::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ticket_region",
                        (Ticket::Table, Ticket::RegionOrgId),
                        (Org::Table, Org::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ticket_holder",
                        (Ticket::Table, Ticket::HolderOrgId),
                        (Org::Table, Org::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_ticket_state_created", &["state", "created_at"][..]),
            ("idx_ticket_holder_state", &["holder_org_id", "state", "created_at"][..]),
            ("idx_ticket_caller", &["caller_phone_idx", "created_at"][..]),
            ("idx_ticket_created", &["created_at"][..]),
            ("idx_ticket_category", &["category_id", "created_at"][..]),
            ("idx_ticket_parent", &["parent_id"][..]),
            ("idx_ticket_master", &["master_id"][..]),
            ("idx_ticket_finish_due", &["finish_due"][..]),
        ] {
            manager.create_index(index(name, Ticket::Table, cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(TicketEvent::Table)
                    .col(pk_uuid(TicketEvent::Id))
                    .col(uuid(TicketEvent::TicketId))
                    .col(timestamp_with_time_zone(TicketEvent::At))
                    .col(string_len(TicketEvent::Action, 32))
                    .col(string_len_null(TicketEvent::ActorId, 64))
                    .col(string_len_null(TicketEvent::ActorName, 100))
                    .col(uuid_null(TicketEvent::ActorOrgId))
                    .col(string_len_null(TicketEvent::FromState, 24))
                    .col(string_len_null(TicketEvent::ToState, 24))
                    .col(uuid_null(TicketEvent::OrgId))
                    .col(text_null(TicketEvent::Opinion))
                    .col(text(TicketEvent::Detail))
                    .foreign_key(&mut fk(
                        "fk_ticket_event_ticket",
                        (TicketEvent::Table, TicketEvent::TicketId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_ticket_event_ticket",
                TicketEvent::Table,
                &["ticket_id", "at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_ticket_event_org_action",
                TicketEvent::Table,
                &["org_id", "action"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Contact::Table)
                    .col(pk_uuid(Contact::Id))
                    .col(uuid_null(Contact::TicketId))
                    .col(string_len(Contact::Channel, 16))
                    .col(timestamp_with_time_zone(Contact::ReceivedAt))
                    .col(text_null(Contact::CallerPhoneEnc))
                    .col(string_len_null(Contact::CallerPhoneIdx, 64))
                    .col(text(Contact::RawText))
                    .col(uuid_null(Contact::CreatedBy))
                    .col(timestamp_with_time_zone(Contact::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_contact_ticket",
                        (Contact::Table, Contact::TicketId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_contact_ticket", Contact::Table, &["ticket_id"])).await?;
        manager
            .create_index(index("idx_contact_caller", Contact::Table, &["caller_phone_idx"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attachment::Table)
                    .col(pk_uuid(Attachment::Id))
                    .col(uuid(Attachment::TicketId))
                    .col(string_len(Attachment::FileName, 255))
                    .col(string_len(Attachment::ContentType, 100))
                    .col(big_integer(Attachment::SizeBytes))
                    .col(string_len_null(Attachment::Sha256, 64))
                    .col(uuid_null(Attachment::UploadedBy))
                    .col(timestamp_with_time_zone(Attachment::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_attachment_ticket",
                        (Attachment::Table, Attachment::TicketId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_attachment_ticket", Attachment::Table, &["ticket_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketTimer::Table)
                    .col(pk_uuid(TicketTimer::Id))
                    .col(uuid(TicketTimer::TicketId))
                    .col(string_len(TicketTimer::Kind, 32))
                    .col(timestamp_with_time_zone(TicketTimer::DeadlineAt))
                    .col(timestamp_with_time_zone(TicketTimer::DueAt))
                    .col(timestamp_with_time_zone_null(TicketTimer::FiredAt))
                    .col(timestamp_with_time_zone(TicketTimer::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_ticket_timer_ticket",
                        (TicketTimer::Table, TicketTimer::TicketId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_ticket_timer_due",
                TicketTimer::Table,
                &["fired_at", "due_at"],
            ))
            .await?;
        manager
            .create_index(index("idx_ticket_timer_ticket", TicketTimer::Table, &["ticket_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxEvent::Table)
                    .col(pk_uuid(OutboxEvent::Id))
                    .col(string_len(OutboxEvent::Topic, 64))
                    .col(uuid_null(OutboxEvent::TicketId))
                    .col(text(OutboxEvent::Payload))
                    .col(timestamp_with_time_zone(OutboxEvent::CreatedAt))
                    .col(timestamp_with_time_zone_null(OutboxEvent::ProcessedAt))
                    .col(integer(OutboxEvent::Attempts))
                    .col(text_null(OutboxEvent::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_outbox_pending",
                OutboxEvent::Table,
                &["processed_at", "created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(string_len(IdempotencyKey::ActorId, 64))
                    .col(string_len(IdempotencyKey::Key, 128))
                    .col(uuid(IdempotencyKey::TicketId))
                    .col(string_len(IdempotencyKey::RequestHash, 64))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .primary_key(
                        Index::create().col(IdempotencyKey::ActorId).col(IdempotencyKey::Key),
                    )
                    .foreign_key(&mut fk(
                        "fk_idempotency_ticket",
                        (IdempotencyKey::Table, IdempotencyKey::TicketId),
                        (Ticket::Table, Ticket::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketCounter::Table)
                    .col(string_len(TicketCounter::Day, 8).primary_key())
                    .col(big_integer(TicketCounter::Last))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
