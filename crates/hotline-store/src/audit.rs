//! The audit trail: appending sealed rows and reading them back.

use chrono::{DateTime, Utc};
use hotline_domain::audit::AuditRecord;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait as _, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
    QueryTrait as _,
};

use crate::entity::{audit_event, audit_head};
use crate::{Page, PageRequest};

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn to_row(r: AuditRecord) -> audit_event::Model {
    audit_event::Model {
        seq: r.seq,
        at: r.at,
        actor_id: r.actor_id,
        actor_name: r.actor_name,
        actor_org_id: r.actor_org_id,
        source_ip: r.source_ip,
        request_id: r.request_id,
        action: r.action,
        outcome: r.outcome,
        subject_type: r.subject_type,
        subject_id: r.subject_id,
        detail: r.detail,
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

fn from_row(m: audit_event::Model) -> AuditRecord {
    AuditRecord {
        seq: m.seq,
        at: m.at,
        actor_id: m.actor_id,
        actor_name: m.actor_name,
        actor_org_id: m.actor_org_id,
        source_ip: m.source_ip,
        request_id: m.request_id,
        action: m.action,
        outcome: m.outcome,
        subject_type: m.subject_type,
        subject_id: m.subject_id,
        detail: m.detail,
        prev_hash: m.prev_hash,
        hash: m.hash,
    }
}

/// Seals `records` onto the chain inside `txn`. Locks the chain head (row lock on PostgreSQL;
/// SQLite write transactions are already exclusive), so it runs last, just before commit, to
/// keep the serialised part short. Only [`crate::Store::write`] and the sealer call it: an
/// audited change is made one way, through `WriteTx::audit`.
pub(crate) async fn append(
    txn: &DatabaseTransaction,
    records: Vec<AuditRecord>,
) -> Result<(), DbErr> {
    if records.is_empty() {
        return Ok(());
    }
    let head = audit_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head".to_owned()))?;
    let (mut seq, mut hash) = (head.seq, head.hash);
    let mut rows = Vec::with_capacity(records.len());
    for record in records {
        let sealed = record.seal(seq, &hash);
        seq = sealed.seq;
        hash.clone_from(&sealed.hash);
        rows.push(to_row(sealed).into_active_model());
    }
    // The rows and the new head go in one round trip: on PostgreSQL every round trip here is
    // spent holding the head's lock, which every writer waits for.
    let backend = txn.get_database_backend();
    crate::execute_all(
        txn,
        vec![
            audit_event::Entity::insert_many(rows).build(backend),
            audit_head::Entity::update_many()
                .col_expr(audit_head::Column::Seq, Expr::value(seq))
                .col_expr(audit_head::Column::Hash, Expr::value(hash))
                .filter(audit_head::Column::Id.eq(1))
                .build(backend),
        ],
    )
    .await
}

/// The recorded end of the chain: `(seq, hash)`.
pub async fn head(db: &impl ConnectionTrait) -> Result<(i64, String), DbErr> {
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head".to_owned()))?;
    Ok((head.seq, head.hash))
}

/// Up to `limit` rows after `after_seq`, in chain order.
pub async fn rows_after(
    db: &impl ConnectionTrait,
    after_seq: i64,
    limit: u64,
) -> Result<Vec<AuditRecord>, DbErr> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(after_seq))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

/// One page of `query`'s rows, newest first, with the total.
async fn newest_first(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<audit_event::Entity>,
    page: PageRequest,
) -> Result<Page<AuditRecord>, DbErr> {
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(audit_event::Column::Seq)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?
        .into_iter()
        .map(from_row)
        .collect();
    Ok(Page { items, total })
}

/// The rows of `actions` about one ticket, newest first: who opened it, who revealed its caller.
pub async fn accesses(
    db: &impl ConnectionTrait,
    ticket_id: &str,
    actions: &[&str],
    page: PageRequest,
) -> Result<Page<AuditRecord>, DbErr> {
    let query = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectType.eq("ticket"))
        .filter(audit_event::Column::SubjectId.eq(ticket_id))
        .filter(audit_event::Column::Action.is_in(actions.iter().copied()));
    newest_first(db, query, page).await
}

/// Newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditRecord>, DbErr> {
    let mut query = audit_event::Entity::find();
    if let Some(v) = &filter.actor_id {
        query = query.filter(audit_event::Column::ActorId.eq(v.as_str()));
    }
    if let Some(v) = &filter.actor_name {
        query = query.filter(audit_event::Column::ActorName.eq(v.as_str()));
    }
    if let Some(v) = &filter.action {
        // `auth` matches every `auth.*` action; a full name matches itself.
        query = if v.contains('.') {
            query.filter(audit_event::Column::Action.eq(v.as_str()))
        } else {
            query.filter(Expr::col(audit_event::Column::Action).like(format!("{v}.%")))
        };
    }
    if let Some(v) = &filter.outcome {
        query = query.filter(audit_event::Column::Outcome.eq(v.as_str()));
    }
    if let Some(v) = &filter.subject_type {
        query = query.filter(audit_event::Column::SubjectType.eq(v.as_str()));
    }
    if let Some(v) = &filter.subject_id {
        query = query.filter(audit_event::Column::SubjectId.eq(v.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_event::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_event::Column::At.lt(to));
    }
    newest_first(db, query, page).await
}
