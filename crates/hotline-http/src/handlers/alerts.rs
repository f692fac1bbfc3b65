//! The early-warning inbox: alerts raised by the rules, acknowledged, assigned and closed by
//! the center.

use axum::Json;
use axum::extract::State;
use hotline_app::alerts::{AlertInput, AlertMove, AlertQuery, AlertView};
use hotline_app::paging::PageOf;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// Alerts, newest first: surges, hotspots, repeat callers and watch-list words, each with the
/// tickets behind it.
#[utoipa::path(
    get,
    path = "/alerts",
    tag = "alerts",
    params(AlertQuery),
    responses((status = 200, description = "A page of alerts", body = PageOf<AlertView>))
)]
pub async fn list_alerts(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> ApiResult<Json<PageOf<AlertView>>> {
    Ok(Json(state.app.list_alerts(&caller.ctx, &query).await?))
}

/// `acknowledge` (taken on by the caller), `assign` (to `assignee_id`) or `close` (with a
/// `note` of what was done).
#[utoipa::path(
    post,
    path = "/alerts/{id}/{move}",
    tag = "alerts",
    params(("id" = Uuid, Path, description = "The alert"), ("move" = inline(AlertMove), Path, description = "What to do")),
    request_body = AlertInput,
    responses((status = 200, description = "The alert as it stands", body = AlertView))
)]
pub async fn handle_alert(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, step)): ApiPath<(Uuid, AlertMove)>,
    ApiJson(input): ApiJson<AlertInput>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(state.app.handle_alert(&caller.ctx, id, step, input).await?))
}
