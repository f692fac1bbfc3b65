use axum::Json;
use axum::extract::State;
use hotline_app::integrations::webhooks::{
    CreatedWebhook, DeliveryQuery, DeliveryView, NewWebhook, WebhookUpdate, WebhookView,
};
use hotline_app::paging::PageOf;
use http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "webhooks",
    responses((status = 200, description = "OK", body = Vec<hotline_app::integrations::webhooks::WebhookView>))
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<WebhookView>>> {
    Ok(Json(state.app.list_webhooks(&caller.ctx).await?))
}

/// The response carries the signing secret; it cannot be shown again.
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "webhooks",
    request_body = hotline_app::integrations::webhooks::NewWebhook,
    responses((status = 201, description = "Created", body = hotline_app::integrations::webhooks::CreatedWebhook))
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_webhook(&caller.ctx, body).await?)))
}

#[utoipa::path(
    get,
    path = "/webhooks/{id}",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription")),
    responses((status = 200, description = "OK", body = hotline_app::integrations::webhooks::WebhookView))
)]
pub async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(state.app.get_webhook(&caller.ctx, id).await?))
}

#[utoipa::path(
    patch,
    path = "/webhooks/{id}",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription")),
    request_body = hotline_app::integrations::webhooks::WebhookUpdate,
    responses((status = 200, description = "OK", body = hotline_app::integrations::webhooks::WebhookView))
)]
pub async fn update_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<WebhookUpdate>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(state.app.update_webhook(&caller.ctx, id, body).await?))
}

/// The delivery log: status, attempts, last error.
#[utoipa::path(
    get,
    path = "/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription"), hotline_app::integrations::webhooks::DeliveryQuery),
    responses((status = 200, description = "OK", body = hotline_app::paging::PageOf<hotline_app::integrations::webhooks::DeliveryView>))
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<PageOf<DeliveryView>>> {
    Ok(Json(state.app.webhook_deliveries(&caller.ctx, id, query).await?))
}

#[utoipa::path(
    post,
    path = "/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription"), ("delivery_id" = Uuid, Path, description = "The delivery")),
    responses((status = 200, description = "OK", body = hotline_app::integrations::webhooks::DeliveryView))
)]
pub async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, delivery_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<DeliveryView>> {
    Ok(Json(state.app.redeliver(&caller.ctx, id, delivery_id).await?))
}

/// The event types a subscription may name.
#[utoipa::path(
    get,
    path = "/webhooks/event-types",
    tag = "webhooks",
    responses((status = 200, description = "OK", body = Vec<String>))
)]
pub async fn event_types(_caller: Caller) -> Json<Vec<String>> {
    let mut types = hotline_domain::webhook::event_types();
    types.insert(0, "ticket.*".to_owned());
    Json(types)
}
