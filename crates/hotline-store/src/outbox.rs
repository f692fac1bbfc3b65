//! The outbox's consumers, each at its own place (see the `000009` migration): a consumer
//! leases its cursor, reads the events at or above its floor that it has not handled, marks
//! them handled in the transaction that acts on them, and moves its floor up past what is
//! handled and old enough that no transaction still writing can come in below it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait as _, Condition, ConnectionTrait, DbErr, EntityTrait as _, IntoActiveModel as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{outbox_cursor, outbox_done, outbox_event};
use crate::tickets::OutboxRow;

pub use outbox_cursor::Model as CursorRow;

pub async fn cursor(db: &impl ConnectionTrait, consumer: &str) -> Result<Option<CursorRow>, DbErr> {
    outbox_cursor::Entity::find_by_id(consumer.to_owned()).one(db).await
}

/// Takes (or keeps) `consumer`'s lease until `until` for `owner`, creating its cursor at
/// `start` the first time. `None` when another owner holds a lease that has not run out.
pub async fn lease(
    db: &impl ConnectionTrait,
    consumer: &str,
    owner: Uuid,
    start: Uuid,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Option<CursorRow>, DbErr> {
    let fresh = CursorRow {
        consumer: consumer.to_owned(),
        floor: start,
        lease_owner: None,
        lease_until: None,
    };
    outbox_cursor::Entity::insert(fresh.into_active_model())
        .on_conflict(OnConflict::column(outbox_cursor::Column::Consumer).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    let taken = outbox_cursor::Entity::update_many()
        .col_expr(outbox_cursor::Column::LeaseOwner, Expr::value(owner))
        .col_expr(outbox_cursor::Column::LeaseUntil, Expr::value(until))
        .filter(outbox_cursor::Column::Consumer.eq(consumer))
        .filter(
            Condition::any()
                .add(outbox_cursor::Column::LeaseUntil.is_null())
                .add(outbox_cursor::Column::LeaseUntil.lt(now))
                .add(outbox_cursor::Column::LeaseOwner.eq(owner)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 0 {
        return Ok(None);
    }
    outbox_cursor::Entity::find_by_id(consumer.to_owned()).one(db).await
}

/// The events at or above `floor` that `consumer` has not handled, oldest first.
pub async fn pending(
    db: &impl ConnectionTrait,
    consumer: &str,
    floor: Uuid,
    limit: u64,
) -> Result<Vec<OutboxRow>, DbErr> {
    outbox_event::Entity::find()
        .filter(outbox_event::Column::Id.gte(floor))
        .filter(
            outbox_event::Column::Id.not_in_subquery(
                Query::select()
                    .column(outbox_done::Column::EventId)
                    .from(outbox_done::Entity)
                    .and_where(outbox_done::Column::Consumer.eq(consumer))
                    .and_where(outbox_done::Column::EventId.gte(floor))
                    .to_owned(),
            ),
        )
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Marks events handled by `consumer`; in the transaction that acted on them. A second mark
/// of the same event fails the transaction (its effects must not happen twice).
pub async fn mark_done(
    db: &impl ConnectionTrait,
    consumer: &str,
    events: &[Uuid],
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    outbox_done::Entity::insert_many(events.iter().map(|id| {
        outbox_done::Model { consumer: consumer.to_owned(), event_id: *id }.into_active_model()
    }))
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Moves `consumer`'s floor up to its first unhandled event, but not past `horizon` (events
/// below it are old enough that none can still be committing), and forgets the marks below.
/// Returns the first unhandled event's time, for the consumer's lag.
pub async fn advance(
    db: &impl ConnectionTrait,
    cursor: &CursorRow,
    horizon: Uuid,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let first = pending(db, &cursor.consumer, cursor.floor, 1).await?.into_iter().next();
    let target = first.as_ref().map_or(horizon, |e| e.id.min(horizon));
    if target > cursor.floor {
        outbox_cursor::Entity::update_many()
            .col_expr(outbox_cursor::Column::Floor, Expr::value(target))
            .filter(outbox_cursor::Column::Consumer.eq(&cursor.consumer))
            .exec(db)
            .await?;
        outbox_done::Entity::delete_many()
            .filter(outbox_done::Column::Consumer.eq(&cursor.consumer))
            .filter(outbox_done::Column::EventId.lt(target))
            .exec(db)
            .await?;
    }
    Ok(first.map(|e| e.created_at))
}

/// Puts `consumer`'s floor at `floor` and forgets its marks (a consumer whose state was
/// rebuilt from the data up to that point, like the search index). Creates the cursor if new.
pub async fn restart(db: &impl ConnectionTrait, consumer: &str, floor: Uuid) -> Result<(), DbErr> {
    let row =
        CursorRow { consumer: consumer.to_owned(), floor, lease_owner: None, lease_until: None };
    outbox_cursor::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(outbox_cursor::Column::Consumer)
                .update_column(outbox_cursor::Column::Floor)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    outbox_done::Entity::delete_many()
        .filter(outbox_done::Column::Consumer.eq(consumer))
        .exec(db)
        .await?;
    Ok(())
}
