//! Webhook subscriptions, their deliveries, and the outbox the deliveries are made from.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DbErr, EntityTrait as _,
    IntoActiveModel, PaginatorTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::entity::{webhook_delivery, webhook_subscription};
use crate::{Page, PageRequest};

pub use webhook_delivery::Model as DeliveryRow;
pub use webhook_subscription::Model as SubscriptionRow;

pub use hotline_domain::webhook::DeliveryStatus;

pub async fn insert_subscription(
    db: &impl ConnectionTrait,
    row: SubscriptionRow,
) -> Result<SubscriptionRow, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update_subscription(
    db: &impl ConnectionTrait,
    row: SubscriptionRow,
) -> Result<SubscriptionRow, DbErr> {
    webhook_subscription::ActiveModel::from(row).reset_all().update(db).await
}

/// Retires a subscription for good: paused with no event types, so fan-out gives it nothing
/// more, and its pending deliveries given up, so turning it back on cannot send a backlog to
/// where it used to point. Its delivery log stays.
pub async fn retire_subscription(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    webhook_subscription::Entity::update_many()
        .col_expr(webhook_subscription::Column::Active, Expr::value(false))
        .col_expr(webhook_subscription::Column::EventTypes, Expr::value(""))
        .col_expr(webhook_subscription::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_subscription::Column::Id.eq(id))
        .exec(db)
        .await?;
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(DeliveryStatus::Failed))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(webhook_delivery::Column::LastError, Expr::value("subscription retired"))
        .filter(webhook_delivery::Column::SubscriptionId.eq(id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn find_subscription(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<SubscriptionRow>, DbErr> {
    webhook_subscription::Entity::find_by_id(id).one(db).await
}

/// Subscriptions of these orgs (all when `orgs` is `None`), oldest first.
pub async fn subscriptions(
    db: &impl ConnectionTrait,
    orgs: Option<&[Uuid]>,
) -> Result<Vec<SubscriptionRow>, DbErr> {
    let mut query = webhook_subscription::Entity::find();
    if let Some(orgs) = orgs {
        query = query.filter(webhook_subscription::Column::OrgId.is_in(orgs.iter().copied()));
    }
    query.order_by_asc(webhook_subscription::Column::CreatedAt).all(db).await
}

/// Adds deliveries, skipping any subscription that already has one for the event.
pub async fn insert_deliveries(
    db: &impl ConnectionTrait,
    rows: Vec<DeliveryRow>,
) -> Result<(), DbErr> {
    let key = [webhook_delivery::Column::SubscriptionId, webhook_delivery::Column::EventId];
    crate::insert_once(db, rows.into_iter().map(IntoActiveModel::into_active_model).collect(), key)
        .await
}

/// Pending deliveries whose time has come, oldest due first.
pub async fn due_deliveries(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DeliveryRow>, DbErr> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await
}

/// Takes a due delivery for one attempt by pushing its next attempt to `lease_until`; `false`
/// when another worker took it first.
pub async fn claim_delivery(
    db: &impl ConnectionTrait,
    row: &DeliveryRow,
    lease_until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(lease_until))
        .filter(webhook_delivery::Column::Id.eq(row.id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(webhook_delivery::Column::NextAttemptAt.eq(row.next_attempt_at))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn update_delivery(
    db: &impl ConnectionTrait,
    row: DeliveryRow,
) -> Result<DeliveryRow, DbErr> {
    webhook_delivery::ActiveModel::from(row).reset_all().update(db).await
}

pub async fn find_delivery(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<DeliveryRow>, DbErr> {
    webhook_delivery::Entity::find_by_id(id).one(db).await
}

/// A subscription's delivery log, newest first, optionally of one status.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    subscription_id: Uuid,
    status: Option<DeliveryStatus>,
    page: PageRequest,
) -> Result<Page<DeliveryRow>, DbErr> {
    let mut query = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SubscriptionId.eq(subscription_id));
    if let Some(status) = status {
        query = query.filter(webhook_delivery::Column::Status.eq(status));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(webhook_delivery::Column::CreatedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page { items, total })
}
