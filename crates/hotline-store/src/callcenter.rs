//! The call center's rows: seats, queues, agents (skills and state), agents' state changes and
//! call records.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, Iterable as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{cc_agent, cc_agent_event, cc_call, cc_queue, cc_seat};

pub use cc_agent::Model as AgentRow;
pub use cc_agent_event::Model as AgentEventRow;
pub use cc_call::Model as CallRow;
pub use cc_queue::Model as QueueRow;
pub use cc_seat::Model as SeatRow;

pub async fn seats(db: &impl ConnectionTrait) -> Result<Vec<SeatRow>, DbErr> {
    cc_seat::Entity::find().order_by_asc(cc_seat::Column::Extension).all(db).await
}

pub async fn insert_seat(db: &impl ConnectionTrait, row: SeatRow) -> Result<SeatRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn queues(db: &impl ConnectionTrait) -> Result<Vec<QueueRow>, DbErr> {
    cc_queue::Entity::find().order_by_asc(cc_queue::Column::Name).all(db).await
}

pub async fn insert_queue(db: &impl ConnectionTrait, row: QueueRow) -> Result<QueueRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update_queue(db: &impl ConnectionTrait, row: QueueRow) -> Result<QueueRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

pub async fn agents(db: &impl ConnectionTrait) -> Result<Vec<AgentRow>, DbErr> {
    cc_agent::Entity::find().all(db).await
}

/// Inserts the agent or replaces their row.
pub async fn save_agent(db: &impl ConnectionTrait, row: AgentRow) -> Result<(), DbErr> {
    let columns = cc_agent::Column::iter().filter(|c| !matches!(c, cc_agent::Column::UserId));
    cc_agent::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(cc_agent::Column::UserId).update_columns(columns).to_owned(),
        )
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn insert_agent_events(
    db: &impl ConnectionTrait,
    rows: Vec<AgentEventRow>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    cc_agent_event::Entity::insert_many(rows.into_iter().map(|r| r.into_active_model()))
        .exec(db)
        .await
        .map(|_| ())
}

/// An agent's state changes from `from`, oldest first.
pub async fn agent_events(
    db: &impl ConnectionTrait,
    user: Uuid,
    from: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<AgentEventRow>, DbErr> {
    cc_agent_event::Entity::find()
        .filter(cc_agent_event::Column::UserId.eq(user))
        .filter(cc_agent_event::Column::At.gte(from))
        .order_by_asc(cc_agent_event::Column::At)
        .order_by_asc(cc_agent_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn call_by_sip_id(
    db: &impl ConnectionTrait,
    sip_call_id: &str,
) -> Result<Option<CallRow>, DbErr> {
    cc_call::Entity::find().filter(cc_call::Column::SipCallId.eq(sip_call_id)).one(db).await
}

pub async fn find_call(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<CallRow>, DbErr> {
    cc_call::Entity::find_by_id(id).one(db).await
}

/// Inserts the call or replaces its row.
pub async fn save_call(db: &impl ConnectionTrait, row: CallRow) -> Result<(), DbErr> {
    let columns = cc_call::Column::iter().filter(|c| !matches!(c, cc_call::Column::Id));
    cc_call::Entity::insert(row.into_active_model())
        .on_conflict(OnConflict::column(cc_call::Column::Id).update_columns(columns).to_owned())
        .exec(db)
        .await
        .map(|_| ())
}

/// Calls offered in `[from, to)`, newest first, and how many there are.
pub async fn calls(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    agent: Option<Uuid>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<CallRow>, u64), DbErr> {
    let mut query = cc_call::Entity::find()
        .filter(cc_call::Column::OfferedAt.gte(from))
        .filter(cc_call::Column::OfferedAt.lt(to));
    if let Some(agent) = agent {
        query = query.filter(cc_call::Column::AgentId.eq(agent));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(cc_call::Column::OfferedAt)
        .order_by_desc(cc_call::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Calls still open (offered, not ended): the floor after a restart.
pub async fn open_calls(db: &impl ConnectionTrait) -> Result<Vec<CallRow>, DbErr> {
    cc_call::Entity::find().filter(cc_call::Column::EndedAt.is_null()).all(db).await
}

/// Calls offered since `from`: today's wallboard figures after a restart.
pub async fn calls_since(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
) -> Result<Vec<CallRow>, DbErr> {
    cc_call::Entity::find()
        .filter(cc_call::Column::OfferedAt.gte(from))
        .order_by_asc(cc_call::Column::OfferedAt)
        .all(db)
        .await
}

/// A caller's calls since `from` by the number's keyed hash (repeat callers).
pub async fn calls_of_caller(
    db: &impl ConnectionTrait,
    ani_idx: &str,
    from: DateTime<Utc>,
) -> Result<u64, DbErr> {
    cc_call::Entity::find()
        .filter(cc_call::Column::AniIdx.eq(ani_idx))
        .filter(cc_call::Column::OfferedAt.gte(from))
        .count(db)
        .await
}
