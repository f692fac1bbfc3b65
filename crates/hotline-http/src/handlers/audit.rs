use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use hotline_app::audit::{AuditQuery, Verification};
use hotline_app::paging::ListFormat;
use http::HeaderMap;

use crate::error::ApiResult;
use crate::extract::{ApiQuery, Caller};
use crate::{AppState, xlsx};

/// The audit trail, newest first (auditor only; the read is itself audited).
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    params(hotline_app::audit::AuditQuery),
    responses((status = 200, description = "A page of JSON, or with `format=xlsx` every matching row as a spreadsheet", content(
        (hotline_app::paging::PageOf<hotline_app::audit::AuditEventView> = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv; charset=utf-8"),
    )))
)]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let format = query.format.unwrap_or_default();
    let page = state.app.list_audit(&caller.ctx, query).await?;
    match format {
        ListFormat::Json => Ok(Json(page).into_response()),
        format @ (ListFormat::Xlsx | ListFormat::Csv) => {
            xlsx::audit(&page.items, xlsx::Export::of(format, &headers, &state.app))
        }
    }
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
