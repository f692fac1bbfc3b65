use axum::Json;
use axum::extract::State;
use hotline_app::paging::PageOf;
use hotline_app::webhooks::{
    CreatedWebhook, DeliveryQuery, DeliveryView, NewWebhook, WebhookUpdate, WebhookView,
};
use http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

pub async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<WebhookView>>> {
    Ok(Json(state.app.list_webhooks(&caller.ctx).await?))
}

/// The response carries the signing secret; it cannot be shown again.
pub async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_webhook(&caller.ctx, body).await?)))
}

pub async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(state.app.get_webhook(&caller.ctx, id).await?))
}

pub async fn update_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<WebhookUpdate>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(state.app.update_webhook(&caller.ctx, id, body).await?))
}

/// The delivery log: status, attempts, last error.
pub async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<PageOf<DeliveryView>>> {
    Ok(Json(state.app.webhook_deliveries(&caller.ctx, id, query).await?))
}

pub async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, delivery_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Json<DeliveryView>> {
    Ok(Json(state.app.redeliver(&caller.ctx, id, delivery_id).await?))
}

/// The event types a subscription may name.
pub async fn event_types(_caller: Caller) -> Json<Vec<String>> {
    let mut types = hotline_domain::webhook::event_types();
    types.insert(0, "ticket.*".to_owned());
    Json(types)
}
