//! The leaders' daily briefing (要情摘报): supervisors compile it from agents' excerpts and
//! publish it; leaders read it and instruct on its items through the ticket action `instruct`.

use axum::Json;
use axum::extract::State;
use hotline_app::briefings::{
    BriefingDraft, BriefingQuery, BriefingSummary, BriefingView, ExcerptQuery, Excerpts,
    NewBriefing,
};
use hotline_app::paging::PageOf;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// Briefings, the latest day first: compilers see drafts too, leaders the published ones.
#[utoipa::path(
    get,
    path = "/briefings",
    tag = "briefings",
    params(BriefingQuery),
    responses((status = 200, description = "A page of briefings", body = PageOf<BriefingSummary>))
)]
pub async fn list_briefings(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<BriefingQuery>,
) -> ApiResult<Json<PageOf<BriefingSummary>>> {
    Ok(Json(state.app.list_briefings(&caller.ctx, &query).await?))
}

/// Starts an empty draft for a day.
#[utoipa::path(
    post,
    path = "/briefings",
    tag = "briefings",
    request_body = NewBriefing,
    responses((status = 201, description = "The new draft", body = BriefingView))
)]
pub async fn create_briefing(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewBriefing>,
) -> ApiResult<(http::StatusCode, Json<BriefingView>)> {
    Ok((http::StatusCode::CREATED, Json(state.app.create_briefing(&caller.ctx, &input).await?)))
}

/// The agents' excerpts (拟摘) of a period, newest first, each marked with a briefing that
/// already carries it.
#[utoipa::path(
    get,
    path = "/briefings/excerpts",
    tag = "briefings",
    params(ExcerptQuery),
    responses((status = 200, description = "The excerpts", body = Excerpts))
)]
pub async fn briefing_excerpts(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ExcerptQuery>,
) -> ApiResult<Json<Excerpts>> {
    Ok(Json(state.app.briefing_excerpts(&caller.ctx, &query).await?))
}

/// A briefing with its items and the leaders' instructions on them.
#[utoipa::path(
    get,
    path = "/briefings/{id}",
    tag = "briefings",
    params(("id" = Uuid, Path, description = "The briefing")),
    responses((status = 200, description = "The briefing", body = BriefingView))
)]
pub async fn get_briefing(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BriefingView>> {
    Ok(Json(state.app.briefing(&caller.ctx, id).await?))
}

/// Saves a draft's whole contents; 409 `concurrent_update` when someone saved since
/// `version`, `already_published` once it is out.
#[utoipa::path(
    put,
    path = "/briefings/{id}",
    tag = "briefings",
    params(("id" = Uuid, Path, description = "The briefing")),
    request_body = BriefingDraft,
    responses((status = 200, description = "The draft as saved", body = BriefingView))
)]
pub async fn save_briefing(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<BriefingDraft>,
) -> ApiResult<Json<BriefingView>> {
    Ok(Json(state.app.save_briefing(&caller.ctx, id, &input).await?))
}

/// Throws a draft away.
#[utoipa::path(
    delete,
    path = "/briefings/{id}",
    tag = "briefings",
    params(("id" = Uuid, Path, description = "The briefing")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_briefing(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<http::StatusCode> {
    state.app.delete_briefing(&caller.ctx, id).await?;
    Ok(http::StatusCode::NO_CONTENT)
}

/// Publishes a draft to the leaders; it reads as published from then on.
#[utoipa::path(
    post,
    path = "/briefings/{id}/publish",
    tag = "briefings",
    params(("id" = Uuid, Path, description = "The briefing")),
    responses((status = 200, description = "The published briefing", body = BriefingView))
)]
pub async fn publish_briefing(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<BriefingView>> {
    Ok(Json(state.app.publish_briefing(&caller.ctx, id).await?))
}
