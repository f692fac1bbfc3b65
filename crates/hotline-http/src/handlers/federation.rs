use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use hotline_app::integrations::federation::{
    NewPeer, PeerView, Received, RemoteOrgInput, RemoteOrgSetup, ReportQuery, ReportView,
};
use hotline_app::paging::PageOf;
use hotline_domain::OrgId;
use http::{HeaderMap, StatusCode};
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Anonymous, ApiJson, ApiPath, ApiQuery, Caller};

/// Upstream: the org works in another instance. The answer carries a token and a signing
/// secret for that instance's administrator; neither is shown again.
#[utoipa::path(
    post,
    path = "/orgs/{id}/remote",
    tag = "federation",
    params(("id" = Uuid, Path, description = "The org that works in another instance")),
    request_body = hotline_app::integrations::federation::RemoteOrgInput,
    responses((status = 201, description = "Created", body = hotline_app::integrations::federation::RemoteOrgSetup))
)]
pub async fn make_org_remote(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(body): ApiJson<RemoteOrgInput>,
) -> ApiResult<(StatusCode, Json<RemoteOrgSetup>)> {
    Ok((StatusCode::CREATED, Json(state.app.make_org_remote(&caller.ctx, id, body).await?)))
}

#[utoipa::path(
    get,
    path = "/federation/peers",
    tag = "federation",
    responses((status = 200, description = "OK", body = Vec<hotline_app::integrations::federation::PeerView>))
)]
pub async fn list_peers(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<PeerView>>> {
    Ok(Json(state.app.list_federation_peers(&caller.ctx).await?))
}

/// Downstream: the instance this one takes work from.
#[utoipa::path(
    post,
    path = "/federation/peers",
    tag = "federation",
    request_body = hotline_app::integrations::federation::NewPeer,
    responses((status = 201, description = "Created", body = hotline_app::integrations::federation::PeerView))
)]
pub async fn add_peer(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPeer>,
) -> ApiResult<(StatusCode, Json<PeerView>)> {
    Ok((StatusCode::CREATED, Json(state.app.add_federation_peer(&caller.ctx, body).await?)))
}

/// Reports to a peer: what was said, what waits, why it failed.
#[utoipa::path(
    get,
    path = "/federation/peers/{id}/reports",
    tag = "federation",
    params(("id" = Uuid, Path, description = "The peer"), hotline_app::integrations::federation::ReportQuery),
    responses((status = 200, description = "OK", body = hotline_app::paging::PageOf<hotline_app::integrations::federation::ReportView>))
)]
pub async fn list_reports(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<PageOf<ReportView>>> {
    Ok(Json(state.app.federation_reports(&caller.ctx, id, query).await?))
}

/// A peer's signed webhook. Authenticated by its signature, not by a session or token.
#[utoipa::path(
    post,
    path = "/federation/events",
    tag = "federation",
    params(("x-hotline-timestamp" = String, Header, description = "Unix seconds the body was signed at"), ("x-hotline-signature" = String, Header, description = "`sha256=` and the hex HMAC-SHA256 over `{timestamp}.{body}`")),
    request_body(content = Object, description = "The signed event: `id`, `type`, `ticket`, `data`", content_type = "application/json"),
    responses((status = 200, description = "OK", body = hotline_app::integrations::federation::Received)),
    security(())
)]
pub async fn receive_event(
    State(state): State<AppState>,
    Anonymous(ctx): Anonymous,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Received>> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let received = state
        .app
        .receive_federation_event(
            &ctx,
            header("x-hotline-timestamp"),
            header("x-hotline-signature"),
            &body,
        )
        .await?;
    Ok(Json(received))
}
