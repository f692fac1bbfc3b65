use axum::Json;
use axum::extract::State;
use hotline_app::identity::tokens::{ApiTokenView, CreatedApiToken, NewApiToken, TokenQuery};
use hotline_app::paging::PageOf;
use hotline_domain::ApiTokenId;
use http::StatusCode;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

#[utoipa::path(
    get,
    path = "/api-tokens",
    tag = "api_tokens",
    params(hotline_app::identity::tokens::TokenQuery),
    responses((status = 200, description = "OK", body = hotline_app::paging::PageOf<hotline_app::identity::tokens::ApiTokenView>))
)]
pub async fn list_api_tokens(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> ApiResult<Json<PageOf<ApiTokenView>>> {
    Ok(Json(state.app.list_api_tokens(&caller.ctx, query).await?))
}

/// The response carries the secret; it is not stored and cannot be shown again.
#[utoipa::path(
    post,
    path = "/api-tokens",
    tag = "api_tokens",
    request_body = hotline_app::identity::tokens::NewApiToken,
    responses((status = 201, description = "Created", body = hotline_app::identity::tokens::CreatedApiToken))
)]
pub async fn create_api_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewApiToken>,
) -> ApiResult<(StatusCode, Json<CreatedApiToken>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_api_token(&caller.ctx, body).await?)))
}

#[utoipa::path(
    post,
    path = "/api-tokens/{id}/revoke",
    tag = "api_tokens",
    params(("id" = Uuid, Path, description = "The token")),
    responses((status = 200, description = "OK", body = hotline_app::identity::tokens::ApiTokenView))
)]
pub async fn revoke_api_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<ApiTokenId>,
) -> ApiResult<Json<ApiTokenView>> {
    Ok(Json(state.app.revoke_api_token(&caller.ctx, id).await?))
}
