//! Federation: remote orgs, peers, ticket links, the inbox of received events and the queue
//! of reports to the peer.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{federation_inbox, federation_link, federation_outbound, federation_peer, org};
use crate::{Page, PageRequest};

pub use federation_inbox::Model as InboxRow;
pub use federation_link::Model as LinkRow;
pub use federation_outbound::Model as OutboundRow;
pub use federation_peer::Model as PeerRow;

pub use hotline_domain::federation::ReportStatus;

/// Where a remote org works and the credentials it was set up with.
#[derive(Clone, Debug)]
pub struct OrgRemote {
    pub url: String,
    pub token_id: Uuid,
    pub webhook_id: Uuid,
}

/// Marks an org as working in another instance (or, with `None`, in this one again).
pub async fn set_org_remote(
    db: &impl ConnectionTrait,
    org_id: Uuid,
    remote: Option<OrgRemote>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (url, token, webhook) = match remote {
        Some(r) => (Some(r.url), Some(r.token_id), Some(r.webhook_id)),
        None => (None, None, None),
    };
    org::Entity::update_many()
        .col_expr(org::Column::RemoteUrl, Expr::value(url))
        .col_expr(org::Column::RemoteTokenId, Expr::value(token))
        .col_expr(org::Column::RemoteWebhookId, Expr::value(webhook))
        .col_expr(org::Column::UpdatedAt, Expr::value(now))
        .filter(org::Column::Id.eq(org_id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn insert_peer(db: &impl ConnectionTrait, row: PeerRow) -> Result<PeerRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn peers(db: &impl ConnectionTrait) -> Result<Vec<PeerRow>, DbErr> {
    federation_peer::Entity::find().order_by_asc(federation_peer::Column::CreatedAt).all(db).await
}

pub async fn find_peer(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<PeerRow>, DbErr> {
    federation_peer::Entity::find_by_id(id).one(db).await
}

pub async fn insert_link(db: &impl ConnectionTrait, row: LinkRow) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

/// The local copies of a peer's ticket, newest first.
pub async fn links_of_remote(
    db: &impl ConnectionTrait,
    peer_id: Uuid,
    remote_ticket_id: Uuid,
) -> Result<Vec<LinkRow>, DbErr> {
    federation_link::Entity::find()
        .filter(federation_link::Column::PeerId.eq(peer_id))
        .filter(federation_link::Column::RemoteTicketId.eq(remote_ticket_id))
        .order_by_desc(federation_link::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn link_of_local(
    db: &impl ConnectionTrait,
    local_ticket_id: Uuid,
) -> Result<Option<LinkRow>, DbErr> {
    federation_link::Entity::find()
        .filter(federation_link::Column::LocalTicketId.eq(local_ticket_id))
        .one(db)
        .await
}

/// The links of those of `local_ticket_ids` that are copies of a peer's tickets, by ticket.
pub async fn links_of_local_many(
    db: &impl ConnectionTrait,
    local_ticket_ids: &[Uuid],
) -> Result<HashMap<Uuid, LinkRow>, DbErr> {
    if local_ticket_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(federation_link::Entity::find()
        .filter(federation_link::Column::LocalTicketId.is_in(local_ticket_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|link| (link.local_ticket_id, link))
        .collect())
}

pub async fn find_inbox(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Option<InboxRow>, DbErr> {
    federation_inbox::Entity::find_by_id(event_id).one(db).await
}

/// Records a received event; fails with a unique violation when it was received before.
pub async fn insert_inbox(db: &impl ConnectionTrait, row: InboxRow) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

/// Queues reports, skipping any whose event already has its report of that action queued.
pub async fn insert_outbound(
    db: &impl ConnectionTrait,
    rows: Vec<OutboundRow>,
) -> Result<(), DbErr> {
    let key = [federation_outbound::Column::EventId, federation_outbound::Column::Action];
    crate::insert_once(db, rows.into_iter().map(IntoActiveModel::into_active_model).collect(), key)
        .await
}

/// Reports not yet made, in the order they happened.
pub async fn pending_outbound(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<OutboundRow>, DbErr> {
    federation_outbound::Entity::find()
        .filter(federation_outbound::Column::Status.eq(ReportStatus::Pending))
        .order_by_asc(federation_outbound::Column::CreatedAt)
        .order_by_asc(federation_outbound::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn update_outbound(
    db: &impl ConnectionTrait,
    row: OutboundRow,
) -> Result<OutboundRow, DbErr> {
    federation_outbound::ActiveModel::from(row).reset_all().update(db).await
}

/// A peer's reports, newest first, optionally of one status.
pub async fn outbound_of_peer(
    db: &impl ConnectionTrait,
    peer_id: Uuid,
    status: Option<ReportStatus>,
    page: PageRequest,
) -> Result<Page<OutboundRow>, DbErr> {
    let mut query =
        federation_outbound::Entity::find().filter(federation_outbound::Column::PeerId.eq(peer_id));
    if let Some(status) = status {
        query = query.filter(federation_outbound::Column::Status.eq(status));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(federation_outbound::Column::CreatedAt)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items, total })
}
