//! Tickets and everything that hangs off them: timeline, contacts, attachments, timers, the
//! outbox, idempotency keys and the per-day number counter.

use chrono::{DateTime, Utc};
use hotline_domain::ticket::{AppealType, Channel, TicketState, Urgency};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, Condition, ConnectionTrait, DbErr, EntityTrait as _,
    FromQueryResult as _, IntoActiveModel, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _, QueryTrait as _,
};
use uuid::Uuid;

use crate::entity::{
    attachment, category, contact, idempotency_key, org, outbox_event, ticket, ticket_counter,
    ticket_event, ticket_timer,
};
use crate::{PageRequest, contains, starts_with};

pub use attachment::Model as AttachmentRow;
pub use contact::Model as ContactRow;
pub use idempotency_key::Model as IdempotencyRow;
pub use outbox_event::Model as OutboxRow;
pub use ticket::Model as TicketRow;
pub use ticket_event::Model as TicketEventRow;
pub use ticket_timer::Model as TimerRow;

/// Filters of the work lists; `None` means "any".
#[derive(Clone, Debug, Default)]
pub struct TicketFilter {
    pub states: Vec<TicketState>,
    /// Held by an org under this path (data scope, or "org subtree" filter).
    pub holder_path_prefixes: Vec<String>,
    pub holder_org_id: Option<Uuid>,
    /// In this category or below it.
    pub category_path_prefix: Option<String>,
    pub channel: Option<Channel>,
    pub urgency: Option<Urgency>,
    pub appeal_type: Option<AppealType>,
    pub overdue: Option<bool>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub caller_phone_idx: Option<String>,
    pub title_contains: Option<String>,
    pub created_by: Option<Uuid>,
    /// Only tickets dispatched by this unit to one of its sub-orgs (its returns to rule on).
    pub dispatched_by_org_id: Option<Uuid>,
    /// Only tickets the center dispatched to their holder (its own replies to review).
    pub dispatched_by_center: bool,
    /// Any of these ticket numbers.
    pub numbers: Vec<String>,
    /// Exactly these categories (not their descendants).
    pub category_ids: Vec<Uuid>,
    pub confidential: Option<bool>,
}

/// Work-list totals are exact up to this many tickets.
pub const COUNT_CAP: u64 = 10_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TicketSort {
    #[default]
    Newest,
    Oldest,
    /// Most urgent deadline first.
    FinishDue,
    RecentlyUpdated,
}

pub async fn insert(db: &impl ConnectionTrait, row: TicketRow) -> Result<TicketRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<TicketRow>, DbErr> {
    ticket::Entity::find_by_id(id).one(db).await
}

/// Loads a ticket inside a write transaction and locks its row (PostgreSQL), so concurrent
/// actions on it queue up and the later ones see the earlier ones' result.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<TicketRow>, DbErr> {
    ticket::Entity::find_by_id(id).lock_exclusive().one(db).await
}

pub async fn find_by_number(
    db: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<TicketRow>, DbErr> {
    ticket::Entity::find().filter(ticket::Column::Number.eq(number)).one(db).await
}

/// Saves `row`, whose `version` must still be the stored one; bumps it.
pub async fn update(db: &impl ConnectionTrait, mut row: TicketRow) -> Result<TicketRow, DbErr> {
    let expected = row.version;
    row.version = expected + 1;
    ticket::Entity::update(row.into_active_model().reset_all())
        .validate()?
        .filter(ticket::Column::Version.eq(expected))
        .exec(db)
        .await
}

pub async fn children(db: &impl ConnectionTrait, parent: Uuid) -> Result<Vec<TicketRow>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::ParentId.eq(parent))
        .order_by_asc(ticket::Column::Number)
        .all(db)
        .await
}

pub async fn merged_into(db: &impl ConnectionTrait, master: Uuid) -> Result<Vec<TicketRow>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::MasterId.eq(master))
        .order_by_asc(ticket::Column::Number)
        .all(db)
        .await
}

fn subquery_ids(
    column: impl sea_orm::sea_query::IntoColumnRef,
    table: impl sea_orm::sea_query::IntoTableRef,
    path_col: impl sea_orm::sea_query::IntoColumnRef,
    prefix: &str,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(column)
        .from(table)
        .and_where(Expr::col(path_col).like(starts_with(prefix)))
        .to_owned()
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &TicketFilter,
    sort: TicketSort,
    page: PageRequest,
) -> Result<TicketPage, DbErr> {
    let mut query = ticket::Entity::find();
    if !filter.states.is_empty() {
        query = query.filter(ticket::Column::State.is_in(filter.states.iter().copied()));
    }
    if !filter.holder_path_prefixes.is_empty() {
        let mut any = Condition::any();
        for prefix in &filter.holder_path_prefixes {
            any = any.add(ticket::Column::HolderOrgId.in_subquery(subquery_ids(
                org::Column::Id,
                org::Entity,
                org::Column::Path,
                prefix,
            )));
        }
        query = query.filter(any);
    }
    if let Some(id) = filter.holder_org_id {
        query = query.filter(ticket::Column::HolderOrgId.eq(id));
    }
    if let Some(prefix) = &filter.category_path_prefix {
        query = query.filter(ticket::Column::CategoryId.in_subquery(subquery_ids(
            category::Column::Id,
            category::Entity,
            category::Column::Path,
            prefix,
        )));
    }
    if let Some(v) = &filter.channel {
        query = query.filter(ticket::Column::Channel.eq(*v));
    }
    if let Some(v) = &filter.urgency {
        query = query.filter(ticket::Column::Urgency.eq(*v));
    }
    if let Some(v) = &filter.appeal_type {
        query = query.filter(ticket::Column::AppealType.eq(*v));
    }
    if let Some(v) = filter.overdue {
        query = query.filter(ticket::Column::Overdue.eq(v));
    }
    if let Some(v) = filter.created_from {
        query = query.filter(ticket::Column::CreatedAt.gte(v));
    }
    if let Some(v) = filter.created_to {
        query = query.filter(ticket::Column::CreatedAt.lt(v));
    }
    if let Some(v) = &filter.caller_phone_idx {
        query = query.filter(ticket::Column::CallerPhoneIdx.eq(v.as_str()));
    }
    if let Some(v) = &filter.title_contains {
        query = query.filter(Expr::col(ticket::Column::Title).like(contains(v)));
    }
    if let Some(v) = filter.created_by {
        query = query.filter(ticket::Column::CreatedBy.eq(v));
    }
    if filter.dispatched_by_center {
        query = query.filter(ticket::Column::DispatchedByOrgId.is_null());
    }
    if let Some(v) = filter.dispatched_by_org_id {
        query = query.filter(ticket::Column::DispatchedByOrgId.eq(v));
    }
    if !filter.numbers.is_empty() {
        query = query.filter(ticket::Column::Number.is_in(filter.numbers.iter().cloned()));
    }
    if !filter.category_ids.is_empty() {
        query = query.filter(ticket::Column::CategoryId.is_in(filter.category_ids.iter().copied()));
    }
    if let Some(v) = filter.confidential {
        query = query.filter(ticket::Column::Confidential.eq(v));
    }
    // A text filter cannot use an index, so counting its matches means reading every candidate
    // row: with one, the total only says whether another page follows. Other filters count, up
    // to a cap. Counting `SELECT 1` lets SQLite answer from a covering index; `SELECT *` made it
    // read every matching row (a unit's inbox count at 1M tickets: 1.6 ms, now 0.4 ms).
    let count_all = filter.title_contains.is_none();
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(
            query.clone().select_only().expr(Expr::val(1)).limit(COUNT_CAP + 1).into_query(),
            "counted",
        )
        .to_owned();
    // The page is chosen by ids alone and only its rows are read: where the filters allow, the
    // candidates' sort reads an index instead of every candidate's row (a unit's inbox: 4,500
    // rows at 1M tickets), and PostgreSQL no longer prefers walking `created_at` backwards past
    // every newer ticket of other units (8,000 heap visits per inbox page after intake).
    // See `bench/results/2026-11-25-epyc-work-lists-and-checkpoints.md`.
    let page_ids = ordered(query.select_only().column(ticket::Column::Id), sort)
        .offset(page.offset())
        .limit(page.per_page + 1)
        .into_query();
    let mut page_query =
        ordered(ticket::Entity::find().filter(ticket::Column::Id.in_subquery(page_ids)), sort);
    if count_all {
        // The count rides along as a column (an uncorrelated subquery, evaluated once): every
        // work list shown is one statement, not two.
        page_query =
            page_query.column_as(Expr::SubQuery(None, Box::new(count.clone().into())), TOTAL);
    }
    let rows = db.query_all(&page_query.into_query()).await?;
    let counted = match rows.first() {
        Some(row) if count_all => Some(row.try_get::<i64>("", TOTAL)?),
        // An empty page past the end still tells how many there are.
        None if count_all && page.offset() > 0 => {
            db.query_one(&count).await?.map(|row| row.try_get_by_index::<i64>(0)).transpose()?
        }
        _ => None,
    };
    let mut items = rows
        .iter()
        .map(|row| TicketRow::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() as u64 > page.per_page;
    items.truncate(usize::try_from(page.per_page).unwrap_or(usize::MAX));
    let total = if count_all {
        Ord::min(u64::try_from(counted.unwrap_or(0)).unwrap_or(0), COUNT_CAP)
    } else {
        page.offset() + items.len() as u64 + u64::from(more)
    };
    Ok(TicketPage { items, total, exact: count_all && total < COUNT_CAP })
}

/// `query` in the order of `sort`, ties broken by id so pages never overlap.
fn ordered(
    query: sea_orm::Select<ticket::Entity>,
    sort: TicketSort,
) -> sea_orm::Select<ticket::Entity> {
    match sort {
        TicketSort::Newest => {
            query.order_by_desc(ticket::Column::CreatedAt).order_by_desc(ticket::Column::Id)
        }
        TicketSort::Oldest => {
            query.order_by_asc(ticket::Column::CreatedAt).order_by_asc(ticket::Column::Id)
        }
        TicketSort::FinishDue => query
            .order_by_asc(Expr::col(ticket::Column::FinishDue).is_null())
            .order_by_asc(ticket::Column::FinishDue)
            .order_by_asc(ticket::Column::Id),
        TicketSort::RecentlyUpdated => {
            query.order_by_desc(ticket::Column::UpdatedAt).order_by_desc(ticket::Column::Id)
        }
    }
}

/// The column a work-list page carries its total in.
const TOTAL: &str = "total_count";

/// A page of tickets; `total` is exact only when `exact` (see [`list`]).
#[derive(Clone, Debug)]
pub struct TicketPage {
    pub items: Vec<TicketRow>,
    pub total: u64,
    pub exact: bool,
}

/// The next number of the day (`day` = `YYYYMMDD`), atomically in the caller's transaction.
pub async fn next_number(db: &impl ConnectionTrait, day: &str) -> Result<i64, DbErr> {
    let stmt = Query::insert()
        .into_table(ticket_counter::Entity)
        .columns([ticket_counter::Column::Day, ticket_counter::Column::Last])
        .values_panic([day.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(ticket_counter::Column::Day)
                .value(
                    ticket_counter::Column::Last,
                    Expr::col((ticket_counter::Entity, ticket_counter::Column::Last)).add(1),
                )
                .to_owned(),
        )
        .returning_col(ticket_counter::Column::Last)
        .to_owned();
    let row = db
        .query_one(&stmt)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("ticket_counter".to_owned()))?;
    row.try_get("", "last")
}

pub async fn insert_event(db: &impl ConnectionTrait, row: TicketEventRow) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

pub async fn events(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<Vec<TicketEventRow>, DbErr> {
    ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(ticket_id))
        .order_by_asc(ticket_event::Column::At)
        .order_by_asc(ticket_event::Column::Id)
        .all(db)
        .await
}

/// How often each action was taken against tickets held by `org_id` (returns, overrules …).
pub async fn count_events(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    action: &str,
) -> Result<u64, DbErr> {
    ticket_event::Entity::find()
        .filter(ticket_event::Column::OrgId.eq(org_id))
        .filter(ticket_event::Column::Action.eq(action))
        .count(db)
        .await
}

pub async fn contacts(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<Vec<ContactRow>, DbErr> {
    contact::Entity::find()
        .filter(contact::Column::TicketId.eq(ticket_id))
        .order_by_asc(contact::Column::ReceivedAt)
        .all(db)
        .await
}

pub async fn link_contacts(db: &impl ConnectionTrait, from: Uuid, to: Uuid) -> Result<(), DbErr> {
    contact::Entity::update_many()
        .col_expr(contact::Column::TicketId, Expr::value(to))
        .filter(contact::Column::TicketId.eq(from))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn find_attachment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<AttachmentRow>, DbErr> {
    attachment::Entity::find_by_id(id).one(db).await
}

/// Deletes a draft and what hangs off it; `false` when the ticket is no longer a draft.
/// Call it inside the write that checked the draft: rows that point at the ticket go first.
pub async fn delete_draft(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let draft = ticket::Entity::find_by_id(id).one(db).await?;
    if draft.is_none_or(|t| t.state != TicketState::Draft) {
        return Ok(false);
    }
    attachment::Entity::delete_many().filter(attachment::Column::TicketId.eq(id)).exec(db).await?;
    contact::Entity::delete_many().filter(contact::Column::TicketId.eq(id)).exec(db).await?;
    ticket_event::Entity::delete_many()
        .filter(ticket_event::Column::TicketId.eq(id))
        .exec(db)
        .await?;
    ticket_timer::Entity::delete_many()
        .filter(ticket_timer::Column::TicketId.eq(id))
        .exec(db)
        .await?;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::TicketId.eq(id))
        .exec(db)
        .await?;
    ticket::Entity::delete_by_id(id).exec(db).await?;
    Ok(true)
}

/// Attachments named on a timeline entry (a reply's photos).
pub async fn insert_attachments(
    db: &impl ConnectionTrait,
    rows: Vec<AttachmentRow>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    attachment::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec(db)
        .await
        .map(|_| ())
}

/// The attachments of several tickets, oldest first.
pub async fn attachments_of(
    db: &impl ConnectionTrait,
    ticket_ids: &[Uuid],
) -> Result<Vec<AttachmentRow>, DbErr> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    attachment::Entity::find()
        .filter(attachment::Column::TicketId.is_in(ticket_ids.iter().copied()))
        .order_by_asc(attachment::Column::CreatedAt)
        .order_by_asc(attachment::Column::Id)
        .all(db)
        .await
}

pub async fn attachments(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<Vec<AttachmentRow>, DbErr> {
    attachment::Entity::find()
        .filter(attachment::Column::TicketId.eq(ticket_id))
        .order_by_asc(attachment::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn insert_timers(db: &impl ConnectionTrait, rows: Vec<TimerRow>) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    ticket_timer::Entity::insert_many(
        rows.into_iter().map(sea_orm::IntoActiveModel::into_active_model),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Timers that are due and have not fired, oldest first.
pub async fn due_timers(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<TimerRow>, DbErr> {
    ticket_timer::Entity::find()
        .filter(ticket_timer::Column::FiredAt.is_null())
        .filter(ticket_timer::Column::DueAt.lte(now))
        .order_by_asc(ticket_timer::Column::DueAt)
        .limit(limit)
        .all(db)
        .await
}

/// Claims a timer: true for exactly one caller, however many workers race for it.
pub async fn claim_timer(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = ticket_timer::Entity::update_many()
        .col_expr(ticket_timer::Column::FiredAt, Expr::value(now))
        .filter(ticket_timer::Column::Id.eq(id))
        .filter(ticket_timer::Column::FiredAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn insert_outbox(db: &impl ConnectionTrait, row: OutboxRow) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

/// An outbox entry not yet processed.
#[must_use]
pub fn outbox_row(
    topic: &str,
    ticket_id: Option<Uuid>,
    payload: String,
    now: DateTime<Utc>,
) -> OutboxRow {
    OutboxRow { id: event_id(now), topic: topic.to_owned(), ticket_id, payload, created_at: now }
}

/// An outbox id is a UUIDv7 of the event's own time (the application's clock, as its
/// `created_at`): consumers judge by id which events are old enough to have settled, against
/// that same clock — a test's manual clock included. One context keeps the ids made within a
/// millisecond in the order they were made.
fn event_id(at: DateTime<Utc>) -> Uuid {
    use std::sync::{LazyLock, Mutex, PoisonError};

    use uuid::{ContextV7, Timestamp};
    static CONTEXT: LazyLock<Mutex<ContextV7>> = LazyLock::new(|| Mutex::new(ContextV7::new()));
    let context = CONTEXT.lock().unwrap_or_else(PoisonError::into_inner);
    let secs = u64::try_from(at.timestamp()).unwrap_or(0);
    Uuid::new_v7(Timestamp::from_unix(&*context, secs, at.timestamp_subsec_nanos()))
}

/// A new ticket and the rows that come with it.
#[derive(Clone, Debug)]
pub struct NewTicketRows {
    pub ticket: TicketRow,
    pub contact: ContactRow,
    pub attachments: Vec<AttachmentRow>,
    pub event: TicketEventRow,
    pub outbox: OutboxRow,
    pub idempotency: Option<IdempotencyRow>,
}

/// Writes a new ticket with everything that comes with it, in one round trip on SQLite (see
/// [`crate::execute_all`]). A taken idempotency key fails it with a unique violation that
/// [`is_idempotency_race`] recognises.
pub async fn insert_new(db: &impl ConnectionTrait, rows: NewTicketRows) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let NewTicketRows { ticket, contact, attachments, event, outbox, idempotency } = rows;
    let mut statements = vec![
        ticket::Entity::insert(ticket.into_active_model()).build(backend),
        contact::Entity::insert(contact.into_active_model()).build(backend),
        ticket_event::Entity::insert(event.into_active_model()).build(backend),
        outbox_event::Entity::insert(outbox.into_active_model()).build(backend),
    ];
    if !attachments.is_empty() {
        statements.push(
            attachment::Entity::insert_many(
                attachments.into_iter().map(IntoActiveModel::into_active_model),
            )
            .build(backend),
        );
    }
    if let Some(idempotency) = idempotency {
        statements
            .push(idempotency_key::Entity::insert(idempotency.into_active_model()).build(backend));
    }
    crate::execute_all(db, statements).await
}

/// Whether a write failed because its idempotency key was taken meanwhile.
#[must_use]
pub fn is_idempotency_race(err: &DbErr) -> bool {
    crate::unique_violation(err).is_some_and(|detail| detail.contains("idempotency_key"))
}

pub async fn find_idempotency(
    db: &impl ConnectionTrait,
    actor_id: &str,
    key: &str,
) -> Result<Option<IdempotencyRow>, DbErr> {
    idempotency_key::Entity::find_by_id((actor_id.to_owned(), key.to_owned())).one(db).await
}

pub async fn insert_idempotency(
    db: &impl ConnectionTrait,
    row: IdempotencyRow,
) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

/// Past tickets of a caller (by blind index), newest first.
pub async fn by_caller(
    db: &impl ConnectionTrait,
    phone_idx: &str,
    limit: u64,
) -> Result<(Vec<TicketRow>, u64), DbErr> {
    let query = ticket::Entity::find()
        .filter(ticket::Column::CallerPhoneIdx.eq(phone_idx))
        .filter(ticket::Column::ParentId.is_null());
    let total = query.clone().count(db).await?;
    let items = query.order_by_desc(ticket::Column::CreatedAt).limit(limit).all(db).await?;
    Ok((items, total))
}

/// Bulk insert for the generator: many rows per statement, within the caller's transaction.
pub async fn insert_bulk(
    db: &impl ConnectionTrait,
    tickets: Vec<TicketRow>,
    contacts: Vec<ContactRow>,
    events: Vec<TicketEventRow>,
) -> Result<(), DbErr> {
    // SQLite allows 32 766 bound parameters per statement; stay well below for wide rows.
    for chunk in tickets.chunks(200) {
        ticket::Entity::insert_many(
            chunk.iter().cloned().map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec(db)
        .await?;
    }
    for chunk in contacts.chunks(1000) {
        contact::Entity::insert_many(
            chunk.iter().cloned().map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec(db)
        .await?;
    }
    for chunk in events.chunks(1000) {
        ticket_event::Entity::insert_many(
            chunk.iter().cloned().map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec(db)
        .await?;
    }
    Ok(())
}

/// The per-day number counters from `first_day` (`YYYYMMDD`) on, so a bulk load carries on each
/// day's sequence instead of reusing numbers already given out.
pub async fn counters_since(
    db: &impl ConnectionTrait,
    first_day: &str,
) -> Result<std::collections::HashMap<String, i64>, DbErr> {
    let rows = ticket_counter::Entity::find()
        .filter(ticket_counter::Column::Day.gte(first_day))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.day, r.last)).collect())
}

/// Moves per-day number counters up to at least the given values.
pub async fn raise_counters(
    db: &impl ConnectionTrait,
    counters: &std::collections::HashMap<String, i64>,
) -> Result<(), DbErr> {
    for (day, last) in counters {
        let stmt = Query::insert()
            .into_table(ticket_counter::Entity)
            .columns([ticket_counter::Column::Day, ticket_counter::Column::Last])
            .values_panic([day.as_str().into(), (*last).into()])
            .on_conflict(
                OnConflict::column(ticket_counter::Column::Day)
                    .value(
                        ticket_counter::Column::Last,
                        Expr::case(
                            Expr::col((ticket_counter::Entity, ticket_counter::Column::Last))
                                .gt(*last),
                            Expr::col((ticket_counter::Entity, ticket_counter::Column::Last)),
                        )
                        .finally(Expr::val(*last)),
                    )
                    .to_owned(),
            )
            .to_owned();
        db.execute(&stmt).await?;
    }
    Ok(())
}

/// `(value, tickets)` per value of `column`, over top-level tickets (for dashboards).
pub async fn count_by(
    db: &impl ConnectionTrait,
    column: ticket::Column,
) -> Result<Vec<(Option<String>, i64)>, DbErr> {
    ticket::Entity::find()
        .select_only()
        .column(column)
        .column_as(ticket::Column::Id.count(), "n")
        .filter(ticket::Column::ParentId.is_null())
        .group_by(column)
        .into_tuple::<(Option<String>, i64)>()
        .all(db)
        .await
}

/// Overdue work orders with a unit: top-level tickets, as every overview figure counts them
/// (an assisting unit's child ticket is part of its parent).
fn overdue_with_unit() -> sea_orm::Select<ticket::Entity> {
    let with_unit = TicketState::ALL.iter().copied().filter(|s| s.is_with_unit());
    ticket::Entity::find()
        .filter(ticket::Column::ParentId.is_null())
        .filter(ticket::Column::Overdue.eq(true))
        .filter(ticket::Column::HolderOrgId.is_not_null())
        .filter(ticket::Column::State.is_in(with_unit))
}

/// How many work orders are overdue with a unit.
pub async fn count_overdue(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    overdue_with_unit().count(db).await
}

/// Overdue work orders per holding unit, most first.
pub async fn overdue_by_holder(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<(Uuid, i64)>, DbErr> {
    overdue_with_unit()
        .select_only()
        .column(ticket::Column::HolderOrgId)
        .column_as(ticket::Column::Id.count(), "n")
        .group_by(ticket::Column::HolderOrgId)
        .order_by_desc(Expr::col(sea_orm::sea_query::Alias::new("n")))
        .limit(limit)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await
}

/// The caller's tickets since `since`, newest first (suggestions at intake).
pub async fn by_caller_since(
    db: &impl ConnectionTrait,
    phone_idx: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<TicketRow>, DbErr> {
    ticket::Entity::find()
        .filter(ticket::Column::CallerPhoneIdx.eq(phone_idx))
        .filter(ticket::Column::CreatedAt.gte(since))
        .filter(ticket::Column::State.ne(TicketState::Draft))
        .order_by_desc(ticket::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await
}

/// Which units handled closed tickets of a category since `since`, most often first.
pub async fn handlers_of_category(
    db: &impl ConnectionTrait,
    category: Uuid,
    since: DateTime<Utc>,
) -> Result<Vec<(Uuid, i64)>, DbErr> {
    let rows: Vec<(Option<Uuid>, i64)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::HolderOrgId)
        .column_as(ticket::Column::Id.count(), "n")
        .filter(ticket::Column::CategoryId.eq(category))
        .filter(ticket::Column::ClosedAt.gte(since))
        .filter(ticket::Column::HolderOrgId.is_not_null())
        .group_by(ticket::Column::HolderOrgId)
        .order_by_desc(ticket::Column::Id.count())
        .limit(3)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(org, n)| Some((org?, n))).collect())
}

/// Handled tickets with their category, newest first: the classifier learns from them.
pub async fn handled_with_category(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<(String, String, Uuid)>, DbErr> {
    let rows: Vec<(String, String, Option<Uuid>)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Title)
        .column(ticket::Column::Content)
        .column(ticket::Column::CategoryId)
        .filter(ticket::Column::CategoryId.is_not_null())
        .filter(ticket::Column::ClosedAt.is_not_null())
        .filter(ticket::Column::State.is_not_in([TicketState::Merged, TicketState::Dismissed]))
        .order_by_desc(ticket::Column::ClosedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(t, c, cat)| Some((t, c, cat?))).collect())
}
