use axum::Json;
use axum::extract::State;
use hotline_app::identity::orgs::{NewOrg, OrgChanges, OrgQuery, OrgView};
use hotline_app::paging::PageOf;
use hotline_domain::OrgId;
use http::StatusCode;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

#[utoipa::path(
    get,
    path = "/orgs",
    tag = "orgs",
    params(hotline_app::identity::orgs::OrgQuery),
    responses((status = 200, description = "OK", body = hotline_app::paging::PageOf<hotline_app::identity::orgs::OrgView>))
)]
pub async fn list_orgs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<OrgQuery>,
) -> ApiResult<Json<PageOf<OrgView>>> {
    Ok(Json(state.app.list_orgs(&caller.ctx, query).await?))
}

#[utoipa::path(
    post,
    path = "/orgs",
    tag = "orgs",
    request_body = hotline_app::identity::orgs::NewOrg,
    responses((status = 201, description = "Created", body = hotline_app::identity::orgs::OrgView))
)]
pub async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewOrg>,
) -> ApiResult<(StatusCode, Json<OrgView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_org(&caller.ctx, body).await?)))
}

#[utoipa::path(
    get,
    path = "/orgs/{id}",
    tag = "orgs",
    params(("id" = Uuid, Path, description = "The org")),
    responses((status = 200, description = "OK", body = hotline_app::identity::orgs::OrgView))
)]
pub async fn get_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
) -> ApiResult<Json<OrgView>> {
    Ok(Json(state.app.get_org(&caller.ctx, id).await?))
}

/// Rename, move under another parent, or (de)activate.
#[utoipa::path(
    patch,
    path = "/orgs/{id}",
    tag = "orgs",
    params(("id" = Uuid, Path, description = "The org")),
    request_body = hotline_app::identity::orgs::OrgChanges,
    responses((status = 200, description = "OK", body = hotline_app::identity::orgs::OrgView))
)]
pub async fn update_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(body): ApiJson<OrgChanges>,
) -> ApiResult<Json<OrgView>> {
    Ok(Json(state.app.update_org(&caller.ctx, id, body).await?))
}

/// Orgs are never deleted: this deactivates.
#[utoipa::path(
    delete,
    path = "/orgs/{id}",
    tag = "orgs",
    params(("id" = Uuid, Path, description = "The org")),
    responses((status = 200, description = "OK", body = hotline_app::identity::orgs::OrgView))
)]
pub async fn deactivate_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
) -> ApiResult<Json<OrgView>> {
    let changes = OrgChanges { active: Some(false), ..OrgChanges::default() };
    Ok(Json(state.app.update_org(&caller.ctx, id, changes).await?))
}
