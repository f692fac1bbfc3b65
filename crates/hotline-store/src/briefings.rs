//! The daily briefings (要情摘报) and their items, and what the editor reads beside them: the
//! tickets agents excerpted (拟摘) and the leaders' instructions (批示) on the items' tickets.

use chrono::{DateTime, Utc};
use hotline_domain::briefing::BriefingState;
use hotline_domain::ticket::Action;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _, IntoActiveModel as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{briefing, briefing_item, ticket, ticket_event};
use crate::tickets::{TicketEventRow, TicketRow};

pub use briefing::Model as BriefingRow;
pub use briefing_item::Model as BriefingItemRow;

/// The most excerpts one editor's list shows.
pub const MAX_EXCERPTS: u64 = 500;

pub async fn insert(db: &impl ConnectionTrait, row: BriefingRow) -> Result<(), DbErr> {
    briefing::Entity::insert(row.into_active_model()).exec_without_returning(db).await.map(|_| ())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<BriefingRow>, DbErr> {
    briefing::Entity::find_by_id(id).one(db).await
}

/// A page of briefings, the latest day first (only those in `state` when given), and how
/// many there are.
pub async fn list(
    db: &impl ConnectionTrait,
    state: Option<BriefingState>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<BriefingRow>, u64), DbErr> {
    use briefing::Column;
    let mut select = briefing::Entity::find();
    if let Some(state) = state {
        select = select.filter(Column::State.eq(state));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(Column::Day)
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The items of `briefings`, each briefing's in reading order.
pub async fn items(
    db: &impl ConnectionTrait,
    briefings: &[Uuid],
) -> Result<Vec<BriefingItemRow>, DbErr> {
    use briefing_item::Column;
    if briefings.is_empty() {
        return Ok(Vec::new());
    }
    briefing_item::Entity::find()
        .filter(Column::BriefingId.is_in(briefings.iter().copied()))
        .order_by_asc(Column::BriefingId)
        .order_by_asc(Column::Position)
        .all(db)
        .await
}

/// Saves a draft's new contents over version `version`; `false` when it is no longer that
/// version or no longer a draft (someone saved or published meanwhile), and nothing changes.
pub async fn save_draft(
    db: &impl ConnectionTrait,
    row: &BriefingRow,
    version: i32,
    items: Vec<BriefingItemRow>,
) -> Result<bool, DbErr> {
    use briefing::Column;
    let saved = briefing::Entity::update_many()
        .col_expr(Column::Title, Expr::value(row.title.clone()))
        .col_expr(Column::Foreword, Expr::value(row.foreword.clone()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(row.updated_at))
        .filter(Column::Id.eq(row.id))
        .filter(Column::Version.eq(version))
        .filter(Column::State.eq(BriefingState::Draft))
        .exec(db)
        .await?;
    if saved.rows_affected != 1 {
        return Ok(false);
    }
    briefing_item::Entity::delete_many()
        .filter(briefing_item::Column::BriefingId.eq(row.id))
        .exec(db)
        .await?;
    if !items.is_empty() {
        briefing_item::Entity::insert_many(items.into_iter().map(|i| i.into_active_model()))
            .exec_without_returning(db)
            .await?;
    }
    Ok(true)
}

/// Publishes a draft; `false` when it was published (or deleted) meanwhile.
pub async fn publish(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use briefing::Column;
    let done = briefing::Entity::update_many()
        .col_expr(Column::State, Expr::value(BriefingState::Published))
        .col_expr(Column::PublishedBy, Expr::value(by))
        .col_expr(Column::PublishedAt, Expr::value(at))
        .col_expr(Column::UpdatedAt, Expr::value(at))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(BriefingState::Draft))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Deletes a draft with its items; `false` when it is published (or gone).
pub async fn delete_draft(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    use briefing::Column;
    let draft = briefing::Entity::find()
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(BriefingState::Draft))
        .count(db)
        .await?;
    if draft == 0 {
        return Ok(false);
    }
    briefing_item::Entity::delete_many()
        .filter(briefing_item::Column::BriefingId.eq(id))
        .exec(db)
        .await?;
    briefing::Entity::delete_by_id(id).exec(db).await?;
    Ok(true)
}

/// Whether the published briefing `briefing` has an item on `ticket`.
pub async fn published_item_on(
    db: &impl ConnectionTrait,
    briefing: Uuid,
    ticket: Uuid,
) -> Result<bool, DbErr> {
    let published = briefing::Entity::find()
        .filter(briefing::Column::Id.eq(briefing))
        .filter(briefing::Column::State.eq(BriefingState::Published))
        .count(db)
        .await?;
    if published == 0 {
        return Ok(false);
    }
    let items = briefing_item::Entity::find()
        .filter(briefing_item::Column::BriefingId.eq(briefing))
        .filter(briefing_item::Column::TicketId.eq(ticket))
        .count(db)
        .await?;
    Ok(items > 0)
}

/// The (ticket, briefing) pairs for those of `tickets` that some briefing carries.
pub async fn carrying(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    use briefing_item::Column;
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    briefing_item::Entity::find()
        .select_only()
        .columns([Column::TicketId, Column::BriefingId])
        .filter(Column::TicketId.is_in(tickets.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// The appeals registered from `from` up to `to` (exclusive) that carry an agent's excerpt,
/// newest first, at most [`MAX_EXCERPTS`]; not the assisting units' child tickets, which
/// carry their parent's excerpt.
pub async fn excerpted(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<TicketRow>, DbErr> {
    use ticket::Column;
    ticket::Entity::find()
        .filter(Column::CreatedAt.gte(from))
        .filter(Column::CreatedAt.lt(to))
        .filter(Column::Excerpt.is_not_null())
        .filter(Column::ParentId.is_null())
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(MAX_EXCERPTS)
        .all(db)
        .await
}

/// The leaders' instructions on `tickets`, oldest first.
pub async fn instructions(
    db: &impl ConnectionTrait,
    tickets: &[Uuid],
) -> Result<Vec<TicketEventRow>, DbErr> {
    use ticket_event::Column;
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    ticket_event::Entity::find()
        .filter(Column::TicketId.is_in(tickets.iter().copied()))
        .filter(Column::Action.eq(Action::Instruct.as_str()))
        .order_by_asc(Column::At)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}
