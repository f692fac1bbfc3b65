use axum::Json;
use axum::extract::State;
use hotline_app::identity::users::{NewUser, PasswordReset, UserChanges, UserQuery, UserView};
use hotline_app::paging::PageOf;
use hotline_domain::UserId;
use http::StatusCode;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    params(hotline_app::identity::users::UserQuery),
    responses((status = 200, description = "OK", body = hotline_app::paging::PageOf<hotline_app::identity::users::UserView>))
)]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<UserQuery>,
) -> ApiResult<Json<PageOf<UserView>>> {
    Ok(Json(state.app.list_users(&caller.ctx, query).await?))
}

#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    request_body = hotline_app::identity::users::NewUser,
    responses((status = 201, description = "Created", body = hotline_app::identity::users::UserView))
)]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_user(&caller.ctx, body).await?)))
}

#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user")),
    responses((status = 200, description = "OK", body = hotline_app::identity::users::UserView))
)]
pub async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.get_user(&caller.ctx, id).await?))
}

/// Change display name, org, roles, or (de)activate.
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user")),
    request_body = hotline_app::identity::users::UserChanges,
    responses((status = 200, description = "OK", body = hotline_app::identity::users::UserView))
)]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(body): ApiJson<UserChanges>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.update_user(&caller.ctx, id, body).await?))
}

/// Accounts are never deleted (the audit trail names them): this deactivates.
#[utoipa::path(
    delete,
    path = "/users/{id}",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user")),
    responses((status = 200, description = "OK", body = hotline_app::identity::users::UserView))
)]
pub async fn deactivate_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    let changes = UserChanges { active: Some(false), ..UserChanges::default() };
    Ok(Json(state.app.update_user(&caller.ctx, id, changes).await?))
}

#[utoipa::path(
    post,
    path = "/users/{id}/reset-password",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user")),
    request_body = hotline_app::identity::users::PasswordReset,
    responses((status = 200, description = "OK", body = hotline_app::identity::users::UserView))
)]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.reset_password(&caller.ctx, id, body).await?))
}

#[utoipa::path(
    post,
    path = "/users/{id}/unlock",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user")),
    responses((status = 200, description = "OK", body = hotline_app::identity::users::UserView))
)]
pub async fn unlock_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(state.app.unlock_user(&caller.ctx, id).await?))
}
