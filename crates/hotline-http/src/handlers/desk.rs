//! The desk's own things: a person's preferences and common phrases (常用语).

use axum::Json;
use axum::extract::State;
use hotline_app::identity::preferences::Preferences;
use hotline_app::suggest::{SuggestionRequest, Suggestions};
use hotline_app::tickets::phrases::{NewPhrase, PhraseChanges, PhraseView};
use http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, Caller};

/// The signed-in person's preferences (defaults until they choose).
#[utoipa::path(
    get,
    path = "/me/preferences",
    tag = "auth",
    responses((status = 200, description = "OK", body = Preferences))
)]
pub async fn get_preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(state.app.preferences(&caller.ctx).await?))
}

/// Replaces the signed-in person's preferences.
#[utoipa::path(
    put,
    path = "/me/preferences",
    tag = "auth",
    request_body = Preferences,
    responses((status = 200, description = "OK", body = Preferences))
)]
pub async fn put_preferences(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Preferences>,
) -> ApiResult<Json<Preferences>> {
    Ok(Json(state.app.set_preferences(&caller.ctx, body).await?))
}

/// The caller's own phrases, then the shared ones.
#[utoipa::path(
    get,
    path = "/phrases",
    tag = "tickets",
    responses((status = 200, description = "OK", body = Vec<PhraseView>))
)]
pub async fn list_phrases(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<PhraseView>>> {
    Ok(Json(state.app.list_phrases(&caller.ctx).await?))
}

/// Adds a phrase: the caller's own, or (supervisors, admins) a shared one.
#[utoipa::path(
    post,
    path = "/phrases",
    tag = "tickets",
    request_body = NewPhrase,
    responses((status = 201, description = "Created", body = PhraseView))
)]
pub async fn create_phrase(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPhrase>,
) -> ApiResult<(StatusCode, Json<PhraseView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_phrase(&caller.ctx, body).await?)))
}

#[utoipa::path(
    patch,
    path = "/phrases/{id}",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The phrase")),
    request_body = PhraseChanges,
    responses((status = 200, description = "OK", body = PhraseView))
)]
pub async fn update_phrase(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<PhraseChanges>,
) -> ApiResult<Json<PhraseView>> {
    Ok(Json(state.app.update_phrase(&caller.ctx, id, body).await?))
}

#[utoipa::path(
    delete,
    path = "/phrases/{id}",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The phrase")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_phrase(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    state.app.delete_phrase(&caller.ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What intake is offered for an appeal as it is typed: likely categories, units, articles
/// that answer it and tickets it may repeat.
#[utoipa::path(
    post,
    path = "/suggestions",
    tag = "tickets",
    request_body = SuggestionRequest,
    responses((status = 200, description = "OK", body = Suggestions))
)]
pub async fn suggestions(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SuggestionRequest>,
) -> ApiResult<Json<Suggestions>> {
    Ok(Json(state.app.suggest(&caller.ctx, body).await?))
}
