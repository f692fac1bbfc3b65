use sea_orm::entity::prelude::*;

/// An action to take on the peer's ticket, reported in order and retried until it lands.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "federation_outbound")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub peer_id: Uuid,
    /// The local outbox event this reports; with `action`, the idempotency key at the peer.
    pub event_id: Uuid,
    pub local_ticket_id: Uuid,
    pub remote_ticket_id: Uuid,
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `pending`, `done`, or `skipped` (the peer's ticket had already moved on).
    pub status: hotline_domain::federation::ReportStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_status: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
