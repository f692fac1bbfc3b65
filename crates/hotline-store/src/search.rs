//! What the search index is built from: tickets in id order, their replies, and the words
//! admins added to the dictionary.

use std::collections::HashMap;

use hotline_domain::ticket::TicketState;
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _, IntoActiveModel as _,
    PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{search_word, ticket, ticket_event};
use crate::tickets::TicketRow;

pub use search_word::Model as SearchWordRow;

/// Registered tickets (drafts are their author's until registered) after `after`, by id.
pub async fn tickets_after(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<TicketRow>, DbErr> {
    let mut query = ticket::Entity::find().filter(ticket::Column::State.ne(TicketState::Draft));
    if let Some(after) = after {
        query = query.filter(ticket::Column::Id.gt(after));
    }
    query.order_by_asc(ticket::Column::Id).limit(limit).all(db).await
}

/// The ids of registered tickets after `after`, in order (a rebuild's next batch).
pub async fn ticket_ids_after(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let mut query = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::State.ne(TicketState::Draft));
    if let Some(after) = after {
        query = query.filter(ticket::Column::Id.gt(after));
    }
    query.order_by_asc(ticket::Column::Id).limit(limit).into_tuple().all(db).await
}

/// How many tickets the index should hold.
pub async fn count_tickets(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    ticket::Entity::find().filter(ticket::Column::State.ne(TicketState::Draft)).count(db).await
}

/// The tickets of `ids` as they are now (missing ones are gone).
pub async fn tickets_by_id(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<TicketRow>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ticket::Entity::find().filter(ticket::Column::Id.is_in(ids.iter().copied())).all(db).await
}

/// Every reply written on the tickets of `ids`, oldest first.
pub async fn replies(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, Option<String>)> = ticket_event::Entity::find()
        .select_only()
        .column(ticket_event::Column::TicketId)
        .column(ticket_event::Column::Opinion)
        .filter(ticket_event::Column::TicketId.is_in(ids.iter().copied()))
        .filter(ticket_event::Column::Action.eq("reply"))
        .order_by_asc(ticket_event::Column::At)
        .order_by_asc(ticket_event::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for (ticket, opinion) in rows {
        if let Some(text) = opinion {
            out.entry(ticket).or_default().push(text);
        }
    }
    Ok(out)
}

pub async fn words(db: &impl ConnectionTrait) -> Result<Vec<SearchWordRow>, DbErr> {
    search_word::Entity::find().order_by_asc(search_word::Column::Word).all(db).await
}

/// Adds a word; `false` when it was there already.
pub async fn add_word(db: &impl ConnectionTrait, row: SearchWordRow) -> Result<bool, DbErr> {
    let inserted = search_word::Entity::insert(row.into_active_model())
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(search_word::Column::Word)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

/// Removes a word; `false` when there was none.
pub async fn remove_word(db: &impl ConnectionTrait, word: &str) -> Result<bool, DbErr> {
    let done = search_word::Entity::delete_by_id(word.to_owned()).exec(db).await?;
    Ok(done.rows_affected > 0)
}
