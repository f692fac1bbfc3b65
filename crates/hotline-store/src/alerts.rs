//! The alerts inbox, and what the early-warning rules read: recent appeals by time, category
//! and district; a place's or a caller's recent tickets.

use chrono::{DateTime, Utc};
use hotline_domain::alerts::{AlertKind, AlertState};
use hotline_domain::ticket::TicketState;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::PageRequest;
use crate::entity::{alert, ticket};

pub use alert::Model as AlertRow;

/// Filters of the inbox; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct AlertFilter {
    pub state: Option<AlertState>,
    pub kind: Option<AlertKind>,
}

/// A page of alerts, newest first, and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AlertFilter,
    page: PageRequest,
) -> Result<(Vec<AlertRow>, u64), DbErr> {
    let mut query = alert::Entity::find();
    if let Some(state) = filter.state {
        query = query.filter(alert::Column::State.eq(state));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(alert::Column::Kind.eq(kind));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(alert::Column::CreatedAt)
        .order_by_desc(alert::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok((items, total))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<AlertRow>, DbErr> {
    alert::Entity::find_by_id(id).one(db).await
}

/// The alert still open (not closed) for `key`, if any.
pub async fn open_for(db: &impl ConnectionTrait, key: &str) -> Result<Option<AlertRow>, DbErr> {
    alert::Entity::find()
        .filter(alert::Column::DedupeKey.eq(key))
        .filter(alert::Column::State.ne(AlertState::Closed))
        .one(db)
        .await
}

pub async fn insert(db: &impl ConnectionTrait, row: AlertRow) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

pub async fn update(db: &impl ConnectionTrait, row: AlertRow) -> Result<AlertRow, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

/// An appeal as the surge rule sees it: id, time, category, district.
pub type Appeal = (Uuid, DateTime<Utc>, Uuid, Uuid);

/// Appeals made from `from` on, oldest first (for surges; tickets without a category or a
/// district are left out).
pub async fn appeals_since(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
) -> Result<Vec<Appeal>, DbErr> {
    type Row = (Uuid, DateTime<Utc>, Option<Uuid>, Option<Uuid>);
    let rows: Vec<Row> = ticket::Entity::find()
        .select_only()
        .columns([
            ticket::Column::Id,
            ticket::Column::CreatedAt,
            ticket::Column::CategoryId,
            ticket::Column::RegionOrgId,
        ])
        .filter(ticket::Column::CreatedAt.gte(from))
        .filter(ticket::Column::ParentId.is_null())
        .filter(ticket::Column::State.ne(TicketState::Draft))
        .order_by_asc(ticket::Column::CreatedAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(id, at, c, r)| Some((id, at, c?, r?))).collect())
}

/// Alerts of `kind` raised or added to since `since`.
pub async fn recent(
    db: &impl ConnectionTrait,
    kind: AlertKind,
    since: DateTime<Utc>,
) -> Result<Vec<AlertRow>, DbErr> {
    alert::Entity::find()
        .filter(alert::Column::Kind.eq(kind))
        .filter(alert::Column::UpdatedAt.gte(since))
        .all(db)
        .await
}

/// Registered top-level tickets since `since` that meet `condition`, newest first.
async fn recent_ids(
    db: &impl ConnectionTrait,
    condition: sea_orm::Condition,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(condition)
        .filter(ticket::Column::CreatedAt.gte(since))
        .filter(ticket::Column::ParentId.is_null())
        .filter(ticket::Column::State.ne(TicketState::Draft))
        .order_by_desc(ticket::Column::CreatedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Tickets since `since` at `address` with `category` (hotspots).
pub async fn at_place(
    db: &impl ConnectionTrait,
    address: &str,
    category: Uuid,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let place = sea_orm::Condition::all()
        .add(ticket::Column::Address.eq(address))
        .add(ticket::Column::CategoryId.eq(category));
    recent_ids(db, place, since, limit).await
}

/// A caller's tickets since `since` (repeat callers).
pub async fn of_caller(
    db: &impl ConnectionTrait,
    phone_idx: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let caller = sea_orm::Condition::all().add(ticket::Column::CallerPhoneIdx.eq(phone_idx));
    recent_ids(db, caller, since, limit).await
}

/// How many alerts are in each state.
pub async fn count_by_state(db: &impl ConnectionTrait) -> Result<Vec<(AlertState, i64)>, DbErr> {
    alert::Entity::find()
        .select_only()
        .column(alert::Column::State)
        .column_as(alert::Column::Id.count(), "n")
        .group_by(alert::Column::State)
        .into_tuple()
        .all(db)
        .await
}

/// The overdue work orders `org` holds, the longest overdue first (a deadline-trouble alert's
/// tickets).
pub async fn overdue_held_by(
    db: &impl ConnectionTrait,
    org: Uuid,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let with_unit = TicketState::ALL.iter().copied().filter(|s| s.is_with_unit());
    ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::HolderOrgId.eq(org))
        .filter(ticket::Column::Overdue.eq(true))
        .filter(ticket::Column::ParentId.is_null())
        .filter(ticket::Column::State.is_in(with_unit))
        .order_by_asc(ticket::Column::FinishDue)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Alerts raised from `from` until before `to`, newest first, at most `limit`.
pub async fn raised_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<AlertRow>, DbErr> {
    alert::Entity::find()
        .filter(alert::Column::CreatedAt.gte(from))
        .filter(alert::Column::CreatedAt.lt(to))
        .order_by_desc(alert::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await
}

/// A caller who appealed at least the asked number of times in a period (重复来电).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatCaller {
    /// The keyed hash of the number: what groups a caller's appeals without the number.
    pub phone_idx: String,
    pub tickets: i64,
    /// … of which not finished yet.
    pub open: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// Callers with at least `min` registered appeals from `from` until before `until`, most first,
/// and how many such callers there are. Reads the period's tickets by the caller index.
pub async fn repeat_callers(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    min: i64,
    page: PageRequest,
) -> Result<(Vec<RepeatCaller>, u64), DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _, Func, Order};
    let grouped = || {
        ticket::Entity::find()
            .select_only()
            .column(ticket::Column::CallerPhoneIdx)
            .filter(ticket::Column::CallerPhoneIdx.is_not_null())
            .filter(ticket::Column::CreatedAt.gte(from))
            .filter(ticket::Column::CreatedAt.lt(until))
            .filter(ticket::Column::ParentId.is_null())
            .filter(ticket::Column::State.ne(TicketState::Draft))
            .group_by(ticket::Column::CallerPhoneIdx)
            .having(Expr::expr(Func::count(Expr::col(ticket::Column::Id))).gte(min))
    };
    let total = grouped().count(db).await?;
    let finished: Vec<String> = TicketState::ALL
        .iter()
        .filter(|s| s.is_finished())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let open = format!(
        "CAST(SUM(CASE WHEN state IN ({}) THEN 0 ELSE 1 END) AS BIGINT)",
        finished.join(", ")
    );
    /// Number hash, appeals, open, first, last.
    type Row = (String, i64, i64, DateTime<Utc>, DateTime<Utc>);
    let rows: Vec<Row> = grouped()
        .expr_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .expr_as(Expr::cust(open), "open")
        .expr_as(Expr::col(ticket::Column::CreatedAt).min(), "first_at")
        .expr_as(Expr::col(ticket::Column::CreatedAt).max(), "last_at")
        .order_by(Expr::cust("n"), Order::Desc)
        .order_by(Expr::cust("last_at"), Order::Desc)
        .offset(page.offset())
        .limit(page.per_page)
        .into_tuple()
        .all(db)
        .await?;
    let callers = rows
        .into_iter()
        .map(|(phone_idx, tickets, open, first_at, last_at)| RepeatCaller {
            phone_idx,
            tickets,
            open,
            first_at,
            last_at,
        })
        .collect();
    Ok((callers, total))
}

/// A caller's registered appeals in a period, newest first.
pub async fn caller_tickets(
    db: &impl ConnectionTrait,
    phone_idx: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<crate::tickets::TicketRow>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::CallerPhoneIdx.eq(phone_idx))
        .filter(ticket::Column::CreatedAt.gte(from))
        .filter(ticket::Column::CreatedAt.lt(until))
        .filter(ticket::Column::ParentId.is_null())
        .filter(ticket::Column::State.ne(TicketState::Draft))
        .order_by_desc(ticket::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await
}
