use axum::Json;
use axum::extract::State;
use hotline_app::audit::{AuditEventView, AuditQuery, Verification};
use hotline_app::paging::PageOf;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};

/// The audit trail, newest first (auditor only; the read is itself audited).
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    params(hotline_app::audit::AuditQuery),
    responses((status = 200, description = "OK", body = hotline_app::paging::PageOf<hotline_app::audit::AuditEventView>))
)]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<PageOf<AuditEventView>>> {
    Ok(Json(state.app.list_audit(&caller.ctx, query).await?))
}

/// Walks the hash chain and reports the first broken row.
#[utoipa::path(
    get,
    path = "/audit/verify",
    tag = "audit",
    responses((status = 200, description = "OK", body = hotline_app::audit::Verification))
)]
pub async fn verify_audit(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Verification>> {
    Ok(Json(state.app.verify_audit_for(&caller.ctx).await?))
}
