//! Webhooks for units' own office systems (OA): an org subscribes a URL to event types and
//! receives the ticket events that concern it or the orgs below it.
//!
//! Every change to a ticket writes an outbox row in its own transaction. The `webhooks` outbox
//! consumer (`integrations::outbox`) turns each into one delivery per interested subscription
//! (the body fixed then); the delivery job sends due deliveries, signed, retrying with backoff
//! for `webhooks.retry_hours`. Delivery is at-least-once: receivers de-duplicate by the event
//! `id` and order by `sequence`.

use chrono::{DateTime, Duration, Utc};
use hotline_domain::audit::AuditAction;
use hotline_domain::org::OrgPath;
use hotline_domain::role::{Permission, Scope};
use hotline_domain::validation::bounded_text;
use hotline_domain::webhook;
use hotline_domain::{FieldError, FieldErrors, FieldIssue, OrgId};
use hotline_store::WriteTx;
use hotline_store::webhooks::{DeliveryRow, DeliveryStatus, SubscriptionRow};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::crypto::random_token;
use crate::identity::orgs::path_of;
use crate::paging::{PageOf, Paging};
use crate::{App, AuditEntry, Ctx, Error, Result};

/// What a secret starts with, so people recognise one in a config file.
const SECRET_PREFIX: &str = "whsec_";
/// A claimed delivery is not tried by another worker for this long.
const LEASE_SECS: i64 = 120;
const SEND_BATCH: u64 = 50;
/// Kept of a receiver's error answer in the delivery log.
const ERROR_CHARS: usize = 300;

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    pub name: String,
    pub org_id: OrgId,
    pub url: String,
    pub event_types: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    pub name: Option<String>,
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub active: Option<bool>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub org_id: OrgId,
    pub name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new subscription and its signing secret, shown this once.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    pub secret: String,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `failed`.
    pub status: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub event_id: Uuid,
    pub topic: String,
    pub ticket_id: Option<Uuid>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<SubscriptionRow> for WebhookView {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.id,
            org_id: OrgId::from_uuid(row.org_id),
            event_types: split_types(&row.event_types),
            name: row.name,
            url: row.url,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<DeliveryRow> for DeliveryView {
    fn from(row: DeliveryRow) -> Self {
        let next_attempt_at = row.next_attempt_at.filter(|_| row.status == DeliveryStatus::Pending);
        Self {
            id: row.id,
            event_id: row.event_id,
            topic: row.topic,
            ticket_id: row.ticket_id,
            status: row.status.as_str().to_owned(),
            attempts: row.attempts,
            next_attempt_at,
            last_attempt_at: row.last_attempt_at,
            last_status: row.last_status,
            last_error: row.last_error,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
        }
    }
}

pub(crate) fn split_types(stored: &str) -> Vec<String> {
    stored.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn check_url(url: &str) -> std::result::Result<String, FieldError> {
    let url = url.trim();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 500
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(url.to_owned())
    } else {
        Err(FieldError::new("url", FieldIssue::InvalidFormat)
            .with_detail("an http:// or https:// URL of at most 500 characters"))
    }
}

fn check_types(types: &[String]) -> std::result::Result<String, FieldError> {
    let known = webhook::event_types();
    let mut out: Vec<&str> = Vec::new();
    for t in types.iter().map(|t| t.trim()) {
        if t != "ticket.*" && !known.iter().any(|k| k == t) {
            return Err(FieldError::new("event_types", FieldIssue::InvalidValue)
                .with_detail(format!("unknown event type {t}")));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new("event_types", FieldIssue::Required));
    }
    Ok(out.join(","))
}

/// Saves a new subscription with its audit row, in the caller's write.
pub(crate) async fn insert_subscription(
    tx: &WriteTx<'_>,
    ctx: &Ctx,
    row: SubscriptionRow,
    now: DateTime<Utc>,
) -> Result<SubscriptionRow> {
    let row = hotline_store::webhooks::insert_subscription(tx, row).await?;
    tx.audit([ctx.record(
        AuditEntry::new(AuditAction::WebhookCreate).subject("webhook", row.id).detail(json!({
            "name": row.name, "org_id": row.org_id, "url": row.url, "event_types": row.event_types,
        })),
        now,
    )]);
    Ok(row)
}

impl App {
    /// A subscription row whose secret is sealed with the data key.
    #[expect(clippy::too_many_arguments, reason = "one row's worth of fields")]
    pub(crate) fn new_subscription(
        &self,
        name: String,
        org_id: Uuid,
        url: String,
        event_types: String,
        secret: &str,
        creator: &hotline_domain::role::Principal,
        now: DateTime<Utc>,
    ) -> Result<SubscriptionRow> {
        Ok(SubscriptionRow {
            id: Uuid::now_v7(),
            org_id,
            name,
            url,
            secret_enc: self.data_key.encrypt(secret)?,
            event_types,
            active: true,
            created_by: creator.user_id().map(|u| u.as_uuid()),
            created_at: now,
            updated_at: now,
        })
    }

    async fn webhook_with_scope(&self, ctx: &Ctx, id: Uuid) -> Result<SubscriptionRow> {
        let db = self.store.reader();
        let row = hotline_store::webhooks::find_subscription(db, id)
            .await?
            .ok_or(Error::NotFound("webhook"))?;
        let org = hotline_store::orgs::find(db, row.org_id).await?.ok_or(Error::NotFound("org"))?;
        self.authorize(ctx, Permission::ApiTokenManage, Some(&path_of(&org))).await?;
        Ok(row)
    }

    /// Subscribes an org's URL; whoever may issue the org's API tokens may do this.
    pub async fn create_webhook(&self, ctx: &Ctx, input: NewWebhook) -> Result<CreatedWebhook> {
        let db = self.store.reader();
        let org = hotline_store::orgs::find(db, input.org_id.as_uuid()).await?;
        let (principal, _) = self
            .authorize(ctx, Permission::ApiTokenManage, org.as_ref().map(path_of).as_ref())
            .await?;
        let mut errors = FieldErrors::new();
        let name = errors.take(bounded_text("name", &input.name, 1, 100));
        let url = errors.take(check_url(&input.url));
        let types = errors.take(check_types(&input.event_types));
        match &org {
            None => errors.push(FieldError::new("org_id", FieldIssue::NotFound)),
            Some(o) if !o.active => errors.push(FieldError::new("org_id", FieldIssue::Inactive)),
            Some(_) => {}
        }
        errors.into_result()?;
        let (Some(name), Some(url), Some(types), Some(org)) = (name, url, types, org) else {
            return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
        };
        let now = self.now();
        let secret = new_secret();
        let row = self.new_subscription(name, org.id, url, types, &secret, &principal, now)?;
        let ctx = ctx.clone();
        let row = self
            .store
            .write(move |tx| Box::pin(async move { insert_subscription(tx, &ctx, row, now).await }))
            .await?;
        Ok(CreatedWebhook { webhook: row.into(), secret })
    }

    /// The subscriptions the caller manages.
    pub async fn list_webhooks(&self, ctx: &Ctx) -> Result<Vec<WebhookView>> {
        let (_, scope) = self.authorize(ctx, Permission::ApiTokenManage, None).await?;
        let db = self.store.reader();
        let rows = match scope {
            Scope::City => hotline_store::webhooks::subscriptions(db, None).await?,
            Scope::Subtree(path) => {
                let reference = self.reference().await?;
                let orgs: Vec<Uuid> = reference
                    .orgs
                    .values()
                    .filter(|o| path.contains(&OrgPath::from_stored(o.path.clone())))
                    .map(|o| o.id)
                    .collect();
                hotline_store::webhooks::subscriptions(db, Some(&orgs)).await?
            }
        };
        Ok(rows.into_iter().map(WebhookView::from).collect())
    }

    pub async fn get_webhook(&self, ctx: &Ctx, id: Uuid) -> Result<WebhookView> {
        Ok(self.webhook_with_scope(ctx, id).await?.into())
    }

    /// Renames, re-points, re-subscribes, pauses or resumes a subscription.
    pub async fn update_webhook(
        &self,
        ctx: &Ctx,
        id: Uuid,
        input: WebhookUpdate,
    ) -> Result<WebhookView> {
        let mut row = self.webhook_with_scope(ctx, id).await?;
        let mut errors = FieldErrors::new();
        if let Some(name) =
            input.name.as_deref().and_then(|n| errors.take(bounded_text("name", n, 1, 100)))
        {
            row.name = name;
        }
        if let Some(url) = input.url.as_deref().and_then(|u| errors.take(check_url(u))) {
            row.url = url;
        }
        if let Some(types) = input.event_types.as_deref().and_then(|t| errors.take(check_types(t)))
        {
            row.event_types = types;
        }
        errors.into_result()?;
        if let Some(active) = input.active {
            row.active = active;
        }
        let now = self.now();
        row.updated_at = now;
        let audit = ctx.record(
            AuditEntry::new(AuditAction::WebhookUpdate).subject("webhook", row.id).detail(json!({
                "name": row.name, "url": row.url, "event_types": row.event_types, "active": row.active,
            })),
            now,
        );
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::webhooks::update_subscription(tx, row).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        Ok(row.into())
    }

    /// The delivery log of a subscription, newest first.
    pub async fn webhook_deliveries(
        &self,
        ctx: &Ctx,
        id: Uuid,
        query: DeliveryQuery,
    ) -> Result<PageOf<DeliveryView>> {
        let page = Paging { page: query.page, per_page: query.per_page }.validate()?;
        let row = self.webhook_with_scope(ctx, id).await?;
        let status = match query.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                DeliveryStatus::parse(s)
                    .ok_or_else(|| FieldError::new("status", FieldIssue::InvalidValue))?,
            ),
            None => None,
        };
        let found =
            hotline_store::webhooks::deliveries(self.store.reader(), row.id, status, page).await?;
        Ok(PageOf::new(
            found.items.into_iter().map(DeliveryView::from).collect(),
            found.total,
            page,
        ))
    }

    /// Sends a delivery again now, whatever became of it (a receiver fixed after giving up).
    pub async fn redeliver(&self, ctx: &Ctx, id: Uuid, delivery_id: Uuid) -> Result<DeliveryView> {
        let subscription = self.webhook_with_scope(ctx, id).await?;
        let mut row = hotline_store::webhooks::find_delivery(self.store.reader(), delivery_id)
            .await?
            .filter(|d| d.subscription_id == subscription.id)
            .ok_or(Error::NotFound("delivery"))?;
        let now = self.now();
        row.status = DeliveryStatus::Pending;
        row.next_attempt_at = Some(now);
        let audit = ctx.record(
            AuditEntry::new(AuditAction::WebhookRedeliver)
                .subject("webhook", subscription.id)
                .detail(
                    json!({"delivery_id": row.id, "event_id": row.event_id, "topic": row.topic}),
                ),
            now,
        );
        let row = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let row = hotline_store::webhooks::update_delivery(tx, row).await?;
                    tx.audit([audit]);
                    Ok::<_, Error>(row)
                })
            })
            .await?;
        Ok(row.into())
    }

    /// Sends the deliveries that are due; returns how many were attempted.
    pub async fn deliver_due_webhooks(&self) -> Result<u64> {
        let mut attempted = 0;
        loop {
            let batch = self.deliver_webhook_batch(SEND_BATCH).await?;
            if batch == 0 {
                return Ok(attempted);
            }
            attempted += batch;
        }
    }

    async fn deliver_webhook_batch(&self, limit: u64) -> Result<u64> {
        let now = self.now();
        let due = hotline_store::webhooks::due_deliveries(self.store.reader(), now, limit).await?;
        let settings = &self.config.webhooks;
        let mut attempted = 0;
        for row in due {
            let txn = self.store.begin().await?;
            let claimed = hotline_store::webhooks::claim_delivery(
                &txn,
                &row,
                now + Duration::seconds(LEASE_SECS),
            )
            .await?;
            txn.commit().await?;
            if !claimed {
                continue;
            }
            let Some(subscription) = hotline_store::webhooks::find_subscription(
                self.store.reader(),
                row.subscription_id,
            )
            .await?
            else {
                continue;
            };
            let mut row = row;
            if !subscription.active {
                // Paused: keep the delivery for when the subscription resumes.
                row.next_attempt_at = Some(now + Duration::seconds(settings.max_retry_secs));
                let txn = self.store.begin().await?;
                hotline_store::webhooks::update_delivery(&txn, row).await?;
                txn.commit().await?;
                continue;
            }
            attempted += 1;
            let secret = self.data_key.decrypt(&subscription.secret_enc)?;
            let outcome = send(
                &self.http,
                &subscription.url,
                &secret,
                &row,
                self.now(),
                settings.timeout_secs,
            )
            .await;
            let attempt_at = self.now();
            row.attempts += 1;
            row.last_attempt_at = Some(attempt_at);
            match outcome {
                Ok(status) => {
                    row.status = DeliveryStatus::Delivered;
                    row.last_status = Some(i32::from(status));
                    row.last_error = None;
                    row.delivered_at = Some(attempt_at);
                    row.next_attempt_at = None;
                }
                Err((status, error)) => {
                    row.last_status = status.map(i32::from);
                    row.last_error = Some(error.chars().take(ERROR_CHARS).collect());
                    let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
                    let next = attempt_at
                        + webhook::retry_delay(
                            attempts,
                            Duration::seconds(settings.first_retry_secs),
                            Duration::seconds(settings.max_retry_secs),
                        );
                    if next - row.created_at > Duration::hours(settings.retry_hours) {
                        row.status = DeliveryStatus::Failed;
                        row.next_attempt_at = None;
                        tracing::warn!(delivery = %row.id, webhook = %subscription.id, "webhook delivery given up");
                    } else {
                        row.next_attempt_at = Some(next);
                    }
                }
            }
            let txn = self.store.begin().await?;
            hotline_store::webhooks::update_delivery(&txn, row).await?;
            txn.commit().await?;
        }
        Ok(attempted)
    }
}

/// A signing secret, shown to the subscriber once.
pub(crate) fn new_secret() -> String {
    format!("{SECRET_PREFIX}{}", random_token(32))
}

/// One attempt: `Ok(status)` on 2xx, else the status (if any) and what went wrong.
async fn send(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    row: &DeliveryRow,
    now: DateTime<Utc>,
    timeout_secs: u64,
) -> std::result::Result<u16, (Option<u16>, String)> {
    let timestamp = now.timestamp();
    let signature = webhook::sign(secret.as_bytes(), timestamp, row.body.as_bytes());
    let response = http
        .post(url)
        .timeout(std::time::Duration::from_secs(timeout_secs))
        .header("content-type", "application/json")
        .header("x-hotline-event", &row.topic)
        .header("x-hotline-event-id", row.event_id.to_string())
        .header("x-hotline-delivery", row.id.to_string())
        .header("x-hotline-timestamp", timestamp.to_string())
        .header("x-hotline-signature", signature)
        .body(row.body.clone())
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
        Ok(r) => {
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            Err((Some(status), format!("HTTP {status}: {}", text.trim())))
        }
        Err(e) => Err((None, e.without_url().to_string())),
    }
}
