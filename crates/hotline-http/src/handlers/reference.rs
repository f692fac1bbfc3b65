use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use hotline_app::reference::calendar::{
    CalendarDayInput, CalendarDayView, CalendarQuery, CalendarView, DeadlineQuery, DeadlineView,
};
use hotline_app::reference::categories::{
    CategoryChanges, CategoryNode, CategoryQuery, NewCategory,
};
use hotline_app::reference::routing::{
    NewRoutingRule, RegionMatch, RegionQuery, RoutingChanges, RoutingRuleView, SuggestQuery,
    Suggestion,
};
use hotline_app::reference::sla::{
    DeadlinePreview, NewSlaPolicy, PreviewQuery, SlaChanges, SlaPolicyView,
};
use http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// The category tree: `[{id, code, name, level, children: […]}]`.
#[utoipa::path(
    get,
    path = "/categories",
    tag = "reference",
    params(hotline_app::reference::categories::CategoryQuery),
    responses((status = 200, description = "OK", body = Vec<hotline_app::reference::categories::CategoryNode>))
)]
pub async fn list_categories(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CategoryQuery>,
) -> ApiResult<Json<Vec<CategoryNode>>> {
    Ok(Json(state.app.list_categories(&caller.ctx, query).await?))
}

#[utoipa::path(
    post,
    path = "/categories",
    tag = "reference",
    request_body = hotline_app::reference::categories::NewCategory,
    responses((status = 201, description = "Created", body = hotline_app::reference::categories::CategoryNode))
)]
pub async fn create_category(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewCategory>,
) -> ApiResult<(StatusCode, Json<CategoryNode>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_category(&caller.ctx, body).await?)))
}

/// Rename, move or (de)activate.
#[utoipa::path(
    patch,
    path = "/categories/{id}",
    tag = "reference",
    params(("id" = Uuid, Path, description = "The category")),
    request_body = hotline_app::reference::categories::CategoryChanges,
    responses((status = 200, description = "OK", body = hotline_app::reference::categories::CategoryNode))
)]
pub async fn update_category(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CategoryChanges>,
) -> ApiResult<Json<CategoryNode>> {
    Ok(Json(state.app.update_category(&caller.ctx, id, body).await?))
}

#[utoipa::path(
    get,
    path = "/calendar",
    tag = "reference",
    params(hotline_app::reference::calendar::CalendarQuery),
    responses((status = 200, description = "OK", body = hotline_app::reference::calendar::CalendarView))
)]
pub async fn get_calendar(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<CalendarView>> {
    Ok(Json(state.app.get_calendar(&caller.ctx, query).await?))
}

#[utoipa::path(
    put,
    path = "/calendar/days/{date}",
    tag = "reference",
    params(("date" = chrono::NaiveDate, Path, description = "The day, YYYY-MM-DD")),
    request_body = hotline_app::reference::calendar::CalendarDayInput,
    responses((status = 200, description = "OK", body = hotline_app::reference::calendar::CalendarDayView))
)]
pub async fn set_calendar_day(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(date): ApiPath<NaiveDate>,
    ApiJson(body): ApiJson<CalendarDayInput>,
) -> ApiResult<Json<CalendarDayView>> {
    Ok(Json(state.app.set_calendar_day(&caller.ctx, date, body).await?))
}

#[utoipa::path(
    delete,
    path = "/calendar/days/{date}",
    tag = "reference",
    params(("date" = chrono::NaiveDate, Path, description = "The day, YYYY-MM-DD")),
    responses((status = 204, description = "Back to the official schedule"))
)]
pub async fn clear_calendar_day(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(date): ApiPath<NaiveDate>,
) -> ApiResult<StatusCode> {
    state.app.clear_calendar_day(&caller.ctx, date).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirms that a year's schedule is entered in full, so its deadlines are no longer assumed.
#[utoipa::path(
    put,
    path = "/calendar/years/{year}",
    tag = "reference",
    params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "The year")),
    responses((status = 200, description = "The year, now known", body = hotline_app::reference::calendar::CalendarView))
)]
pub async fn confirm_calendar_year(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(year): ApiPath<i32>,
) -> ApiResult<Json<CalendarView>> {
    Ok(Json(state.app.confirm_calendar_year(&caller.ctx, year).await?))
}

/// Withdraws a year's confirmation.
#[utoipa::path(
    delete,
    path = "/calendar/years/{year}",
    tag = "reference",
    params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "The year")),
    responses((status = 204, description = "The year's deadlines are assumed again"))
)]
pub async fn unconfirm_calendar_year(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(year): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.app.unconfirm_calendar_year(&caller.ctx, year).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?from=RFC3339&working_days=N` (or `hours=H`) → `{"due": RFC3339}`.
#[utoipa::path(
    get,
    path = "/calendar/deadline",
    tag = "reference",
    params(hotline_app::reference::calendar::DeadlineQuery),
    responses((status = 200, description = "OK", body = hotline_app::reference::calendar::DeadlineView))
)]
pub async fn deadline(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<DeadlineQuery>,
) -> ApiResult<Json<DeadlineView>> {
    Ok(Json(state.app.deadline(&caller.ctx, query).await?))
}

#[utoipa::path(
    get,
    path = "/tickets/deadline-preview",
    tag = "tickets",
    params(hotline_app::reference::sla::PreviewQuery),
    responses((status = 200, description = "OK", body = hotline_app::reference::sla::DeadlinePreview))
)]
pub async fn deadline_preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PreviewQuery>,
) -> ApiResult<Json<DeadlinePreview>> {
    Ok(Json(state.app.deadline_preview(&caller.ctx, query).await?))
}

#[utoipa::path(
    get,
    path = "/sla-policies",
    tag = "reference",
    responses((status = 200, description = "OK", body = Vec<hotline_app::reference::sla::SlaPolicyView>))
)]
pub async fn list_sla_policies(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SlaPolicyView>>> {
    Ok(Json(state.app.list_sla_policies(&caller.ctx).await?))
}

#[utoipa::path(
    post,
    path = "/sla-policies",
    tag = "reference",
    request_body = hotline_app::reference::sla::NewSlaPolicy,
    responses((status = 201, description = "Created", body = hotline_app::reference::sla::SlaPolicyView))
)]
pub async fn create_sla_policy(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewSlaPolicy>,
) -> ApiResult<(StatusCode, Json<SlaPolicyView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_sla_policy(&caller.ctx, body).await?)))
}

#[utoipa::path(
    patch,
    path = "/sla-policies/{id}",
    tag = "reference",
    params(("id" = Uuid, Path, description = "The policy")),
    request_body = hotline_app::reference::sla::SlaChanges,
    responses((status = 200, description = "OK", body = hotline_app::reference::sla::SlaPolicyView))
)]
pub async fn update_sla_policy(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SlaChanges>,
) -> ApiResult<Json<SlaPolicyView>> {
    Ok(Json(state.app.update_sla_policy(&caller.ctx, id, body).await?))
}

#[utoipa::path(
    get,
    path = "/routing-rules",
    tag = "reference",
    responses((status = 200, description = "OK", body = Vec<hotline_app::reference::routing::RoutingRuleView>))
)]
pub async fn list_routing_rules(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<RoutingRuleView>>> {
    Ok(Json(state.app.list_routing_rules(&caller.ctx).await?))
}

#[utoipa::path(
    post,
    path = "/routing-rules",
    tag = "reference",
    request_body = hotline_app::reference::routing::NewRoutingRule,
    responses((status = 201, description = "Created", body = hotline_app::reference::routing::RoutingRuleView))
)]
pub async fn create_routing_rule(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewRoutingRule>,
) -> ApiResult<(StatusCode, Json<RoutingRuleView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_routing_rule(&caller.ctx, body).await?)))
}

#[utoipa::path(
    patch,
    path = "/routing-rules/{id}",
    tag = "reference",
    params(("id" = Uuid, Path, description = "The rule")),
    request_body = hotline_app::reference::routing::RoutingChanges,
    responses((status = 200, description = "OK", body = hotline_app::reference::routing::RoutingRuleView))
)]
pub async fn update_routing_rule(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RoutingChanges>,
) -> ApiResult<Json<RoutingRuleView>> {
    Ok(Json(state.app.update_routing_rule(&caller.ctx, id, body).await?))
}

/// The unit the routing catalogue suggests for a category and region.
#[utoipa::path(
    get,
    path = "/routing/suggest",
    tag = "reference",
    params(hotline_app::reference::routing::SuggestQuery),
    responses((status = 200, description = "OK", body = hotline_app::reference::routing::Suggestion))
)]
pub async fn suggest_unit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<Suggestion>> {
    Ok(Json(state.app.suggest_unit(&caller.ctx, query).await?))
}

/// The region (区, 街道) an address names, for intake to fill in.
#[utoipa::path(
    get,
    path = "/regions/match",
    tag = "reference",
    params(hotline_app::reference::routing::RegionQuery),
    responses((status = 200, description = "OK", body = hotline_app::reference::routing::RegionMatch))
)]
pub async fn match_region(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<RegionQuery>,
) -> ApiResult<Json<RegionMatch>> {
    Ok(Json(state.app.match_region(&caller.ctx, query).await?))
}
