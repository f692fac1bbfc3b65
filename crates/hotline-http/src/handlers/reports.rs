//! The report builder: run a definition (as JSON or a spreadsheet), list the tickets behind a
//! count, and keep one's reports.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use hotline_app::paging::{ListFormat, PageOf};
use hotline_app::reports::{
    ReportCell, ReportDefinition, ReportTable, RunQuery, SavedReport, SavedReportInput,
};
use hotline_app::tickets::TicketSummary;
use http::HeaderMap;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::xlsx;

/// Runs a report over the rollups: rows cut by up to two dimensions, a column per figure,
/// totals, and with `compare` the period before beside each row; with `format=xlsx` or `csv`
/// the table as a spreadsheet.
#[utoipa::path(
    post,
    path = "/reports/run",
    tag = "reports",
    params(RunQuery),
    request_body = ReportDefinition,
    responses((status = 200, description = "The table, or a spreadsheet of it", content(
        (ReportTable = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv; charset=utf-8"),
    )))
)]
pub async fn run_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<RunQuery>,
    ApiJson(definition): ApiJson<ReportDefinition>,
) -> ApiResult<Response> {
    let format = query.format.unwrap_or_default();
    let table = state.app.run_report(&caller.ctx, &definition, format).await?;
    match format {
        ListFormat::Json => Ok(Json(table).into_response()),
        ListFormat::Xlsx | ListFormat::Csv => {
            xlsx::report(&table, xlsx::Export::of(format, &headers, &state.app))
        }
    }
}

/// The tickets behind one count of a report's row: as many as the cell says.
#[utoipa::path(
    post,
    path = "/reports/tickets",
    tag = "reports",
    request_body = ReportCell,
    responses((status = 200, description = "A page of the work list", body = PageOf<TicketSummary>))
)]
pub async fn report_tickets(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(cell): ApiJson<ReportCell>,
) -> ApiResult<Json<PageOf<TicketSummary>>> {
    Ok(Json(state.app.report_tickets(&caller.ctx, &cell).await?))
}

/// The caller's saved reports, by name.
#[utoipa::path(
    get,
    path = "/reports",
    tag = "reports",
    responses((status = 200, description = "The caller's reports", body = Vec<SavedReport>))
)]
pub async fn list_reports(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SavedReport>>> {
    Ok(Json(state.app.list_saved_reports(&caller.ctx).await?))
}

/// Keeps a report under a name of the caller's own (409 `already_exists` when taken).
#[utoipa::path(
    post,
    path = "/reports",
    tag = "reports",
    request_body = SavedReportInput,
    responses((status = 201, description = "Saved", body = SavedReport))
)]
pub async fn save_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<SavedReportInput>,
) -> ApiResult<(http::StatusCode, Json<SavedReport>)> {
    Ok((http::StatusCode::CREATED, Json(state.app.save_report(&caller.ctx, &input).await?)))
}

/// One of the caller's reports.
#[utoipa::path(
    get,
    path = "/reports/{id}",
    tag = "reports",
    params(("id" = Uuid, Path, description = "The report")),
    responses((status = 200, description = "The report", body = SavedReport))
)]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SavedReport>> {
    Ok(Json(state.app.get_saved_report(&caller.ctx, id).await?))
}

/// Renames or redefines one of the caller's reports.
#[utoipa::path(
    put,
    path = "/reports/{id}",
    tag = "reports",
    params(("id" = Uuid, Path, description = "The report")),
    request_body = SavedReportInput,
    responses((status = 200, description = "Saved", body = SavedReport))
)]
pub async fn update_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<SavedReportInput>,
) -> ApiResult<Json<SavedReport>> {
    Ok(Json(state.app.update_saved_report(&caller.ctx, id, &input).await?))
}

/// Deletes one of the caller's reports.
#[utoipa::path(
    delete,
    path = "/reports/{id}",
    tag = "reports",
    params(("id" = Uuid, Path, description = "The report")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<http::StatusCode> {
    state.app.delete_saved_report(&caller.ctx, id).await?;
    Ok(http::StatusCode::NO_CONTENT)
}
