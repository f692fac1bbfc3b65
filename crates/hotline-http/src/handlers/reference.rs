use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use hotline_app::calendar::{
    CalendarDayInput, CalendarDayView, CalendarQuery, CalendarView, DeadlineQuery, DeadlineView,
};
use hotline_app::categories::{CategoryChanges, CategoryNode, CategoryQuery, NewCategory};
use hotline_app::routing::{
    NewRoutingRule, RoutingChanges, RoutingRuleView, SuggestQuery, Suggestion,
};
use hotline_app::sla::{DeadlinePreview, NewSlaPolicy, PreviewQuery, SlaChanges, SlaPolicyView};
use http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// The category tree: `[{id, code, name, level, children: […]}]`.
pub async fn list_categories(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CategoryQuery>,
) -> ApiResult<Json<Vec<CategoryNode>>> {
    Ok(Json(state.app.list_categories(&caller.ctx, query).await?))
}

pub async fn create_category(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCategory>,
) -> ApiResult<(StatusCode, Json<CategoryNode>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_category(&caller.ctx, body).await?)))
}

/// Rename, move or (de)activate.
pub async fn update_category(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CategoryChanges>,
) -> ApiResult<Json<CategoryNode>> {
    Ok(Json(state.app.update_category(&caller.ctx, id, body).await?))
}

pub async fn get_calendar(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<CalendarView>> {
    Ok(Json(state.app.get_calendar(&caller.ctx, query).await?))
}

pub async fn set_calendar_day(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(date): ApiPath<NaiveDate>,
    ApiJson(body): ApiJson<CalendarDayInput>,
) -> ApiResult<Json<CalendarDayView>> {
    Ok(Json(state.app.set_calendar_day(&caller.ctx, date, body).await?))
}

pub async fn clear_calendar_day(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(date): ApiPath<NaiveDate>,
) -> ApiResult<StatusCode> {
    state.app.clear_calendar_day(&caller.ctx, date).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?from=RFC3339&working_days=N` (or `hours=H`) → `{"due": RFC3339}`.
pub async fn deadline(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<DeadlineQuery>,
) -> ApiResult<Json<DeadlineView>> {
    Ok(Json(state.app.deadline(&caller.ctx, query).await?))
}

pub async fn deadline_preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PreviewQuery>,
) -> ApiResult<Json<DeadlinePreview>> {
    Ok(Json(state.app.deadline_preview(&caller.ctx, query).await?))
}

pub async fn list_sla_policies(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SlaPolicyView>>> {
    Ok(Json(state.app.list_sla_policies(&caller.ctx).await?))
}

pub async fn create_sla_policy(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewSlaPolicy>,
) -> ApiResult<(StatusCode, Json<SlaPolicyView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_sla_policy(&caller.ctx, body).await?)))
}

pub async fn update_sla_policy(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SlaChanges>,
) -> ApiResult<Json<SlaPolicyView>> {
    Ok(Json(state.app.update_sla_policy(&caller.ctx, id, body).await?))
}

pub async fn list_routing_rules(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<RoutingRuleView>>> {
    Ok(Json(state.app.list_routing_rules(&caller.ctx).await?))
}

pub async fn create_routing_rule(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewRoutingRule>,
) -> ApiResult<(StatusCode, Json<RoutingRuleView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_routing_rule(&caller.ctx, body).await?)))
}

pub async fn update_routing_rule(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RoutingChanges>,
) -> ApiResult<Json<RoutingRuleView>> {
    Ok(Json(state.app.update_routing_rule(&caller.ctx, id, body).await?))
}

/// The unit the routing catalogue suggests for a category and region.
pub async fn suggest_unit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<Suggestion>> {
    Ok(Json(state.app.suggest_unit(&caller.ctx, query).await?))
}
