//! Statistics: the leaders' dashboard, unit figures (三率, scores, rankings) over a period and
//! the tickets behind each count, bulletins, the monthly report, assessment appeals and the
//! center's adjustments.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use hotline_app::paging::{ListFormat, PageOf};
use hotline_app::stats::{
    AdjustmentInput, AdjustmentQuery, AdjustmentView, AppealDecision, AppealInput, AppealQuery,
    AppealVerdict, AppealView, Bulletin, BulletinSummary, CallersQuery, CountedQuery, DutyQuery,
    DutyReport, FrequentWords, MonthlyQuery, MonthlyReport, OverviewQuery, PublishInput,
    RepeatCallers, UnitsQuery, WordTicketsQuery, WordsQuery,
};
use hotline_app::tickets::TicketSummary;
use http::HeaderMap;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::xlsx;

/// The leaders' dashboard, from the rollups: where the work orders are now (by state, overdue
/// by unit, ratings), and over the last `days` days the trend, the category mix, the districts,
/// the unit ranking; and the open alerts.
#[utoipa::path(
    get,
    path = "/stats/overview",
    tag = "stats",
    params(OverviewQuery),
    responses((status = 200, description = "OK", body = hotline_app::stats::Overview))
)]
pub async fn stats_overview(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<OverviewQuery>,
) -> ApiResult<Json<hotline_app::stats::Overview>> {
    Ok(Json(state.app.stats_overview(&caller.ctx, &query).await?))
}

/// Every unit in reach with its figures over a period (by the day each unit got its tickets),
/// scored and ranked within its group; with `format=xlsx` as a spreadsheet.
#[utoipa::path(
    get,
    path = "/stats/units",
    tag = "stats",
    params(UnitsQuery),
    responses((status = 200, description = "JSON, or with `format=xlsx` a workbook", content(
        (hotline_app::stats::UnitsReport = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv; charset=utf-8"),
    )))
)]
pub async fn unit_figures(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<UnitsQuery>,
) -> ApiResult<Response> {
    let report = state.app.unit_figures(&caller.ctx, &query).await?;
    match query.format.unwrap_or_default() {
        ListFormat::Json => Ok(Json(report).into_response()),
        format @ (ListFormat::Xlsx | ListFormat::Csv) => {
            xlsx::units(&report, xlsx::Export::of(format, &headers, &state.app))
        }
    }
}

/// On-duty figures (值班统计) over a period, from the hourly rollups: per member of staff
/// (within one shift if asked), per hour of day and per shift; with `format=xlsx` or `csv` the
/// staff table as a spreadsheet. The center's only.
#[utoipa::path(
    get,
    path = "/stats/duty",
    tag = "stats",
    params(DutyQuery),
    responses((status = 200, description = "The figures, or the staff table as a spreadsheet", content(
        (DutyReport = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv; charset=utf-8"),
    )))
)]
pub async fn duty_figures(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<DutyQuery>,
) -> ApiResult<Response> {
    let report = state.app.duty_figures(&caller.ctx, &query).await?;
    match query.format.unwrap_or_default() {
        ListFormat::Json => Ok(Json(report).into_response()),
        format @ (ListFormat::Xlsx | ListFormat::Csv) => {
            xlsx::duty(&report, xlsx::Export::of(format, &headers, &state.app))
        }
    }
}

/// The period's repeat callers (重复来电), most appeals first: each by masked number with its
/// newest appeals. The center's only.
#[utoipa::path(
    get,
    path = "/stats/callers",
    tag = "stats",
    params(CallersQuery),
    responses((status = 200, description = "A page of callers", body = RepeatCallers))
)]
pub async fn repeat_callers(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CallersQuery>,
) -> ApiResult<Json<RepeatCallers>> {
    Ok(Json(state.app.repeat_callers(&caller.ctx, &query).await?))
}

/// The words most appeals' titles used in a period (高频词), each beside the period before.
/// The center's only.
#[utoipa::path(
    get,
    path = "/stats/words",
    tag = "stats",
    params(WordsQuery),
    responses((status = 200, description = "The words, most used first", body = FrequentWords))
)]
pub async fn frequent_words(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<WordsQuery>,
) -> ApiResult<Json<FrequentWords>> {
    Ok(Json(state.app.frequent_words(&caller.ctx, &query).await?))
}

/// The appeals whose title used a word in a period: as many as its count.
#[utoipa::path(
    get,
    path = "/stats/words/tickets",
    tag = "stats",
    params(WordTicketsQuery),
    responses((status = 200, description = "A page of the work list", body = PageOf<TicketSummary>))
)]
pub async fn word_tickets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<WordTicketsQuery>,
) -> ApiResult<Json<PageOf<TicketSummary>>> {
    Ok(Json(state.app.word_tickets(&caller.ctx, &query).await?))
}

/// The tickets behind one of a unit's counts: as many as the count says.
#[utoipa::path(
    get,
    path = "/stats/units/{org_id}/tickets",
    tag = "stats",
    params(("org_id" = Uuid, Path, description = "The unit"), CountedQuery),
    responses((status = 200, description = "A page of the work list", body = PageOf<TicketSummary>))
)]
pub async fn counted_tickets(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<CountedQuery>,
) -> ApiResult<Json<PageOf<TicketSummary>>> {
    Ok(Json(state.app.counted_tickets(&caller.ctx, org_id, &query).await?))
}

/// Published months, newest first.
#[utoipa::path(
    get,
    path = "/stats/bulletins",
    tag = "stats",
    responses((status = 200, description = "Every published month", body = Vec<BulletinSummary>))
)]
pub async fn list_bulletins(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<BulletinSummary>>> {
    Ok(Json(state.app.list_bulletins(&caller.ctx).await?))
}

/// Publishes a month that is over (考核通报): its figures, ranks and red and black lists, which
/// then stand; a second publication of the month answers 409 `already_published`.
#[utoipa::path(
    post,
    path = "/stats/bulletins",
    tag = "stats",
    request_body = PublishInput,
    responses((status = 201, description = "Published", body = Bulletin))
)]
pub async fn publish_bulletin(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<PublishInput>,
) -> ApiResult<(http::StatusCode, Json<Bulletin>)> {
    Ok((http::StatusCode::CREATED, Json(state.app.publish_bulletin(&caller.ctx, &input).await?)))
}

/// A published month as it was published; with `format=xlsx` its figures as a workbook.
#[utoipa::path(
    get,
    path = "/stats/bulletins/{month}",
    tag = "stats",
    params(("month" = String, Path, description = "YYYY-MM"), BulletinQuery),
    responses((status = 200, description = "The bulletin, or with `format=xlsx` a workbook", content(
        (Bulletin = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv; charset=utf-8"),
    )))
)]
pub async fn get_bulletin(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(month): ApiPath<String>,
    ApiQuery(query): ApiQuery<BulletinQuery>,
) -> ApiResult<Response> {
    let bulletin = state.app.bulletin(&caller.ctx, &month).await?;
    match query.format.unwrap_or_default() {
        ListFormat::Json => Ok(Json(bulletin).into_response()),
        format @ (ListFormat::Xlsx | ListFormat::Csv) => {
            xlsx::units(&bulletin.report, xlsx::Export::of(format, &headers, &state.app))
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BulletinQuery {
    /// `xlsx` for the figures as a workbook.
    #[param(inline)]
    format: Option<ListFormat>,
}

/// A unit appeals against a ticket counting in its assessment (不纳入考核 申诉), with its reason
/// and evidence; 409 `appeal_exists` while one is pending or after one was approved.
#[utoipa::path(
    post,
    path = "/tickets/{id}/assessment-appeals",
    tag = "stats",
    params(("id" = Uuid, Path, description = "The ticket")),
    request_body = AppealInput,
    responses((status = 201, description = "Filed, pending the center's decision", body = AppealView))
)]
pub async fn file_appeal(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AppealInput>,
) -> ApiResult<(http::StatusCode, Json<AppealView>)> {
    Ok((http::StatusCode::CREATED, Json(state.app.file_appeal(&caller.ctx, id, &input).await?)))
}

/// Appeals in the caller's reach, newest first.
#[utoipa::path(
    get,
    path = "/stats/appeals",
    tag = "stats",
    params(AppealQuery),
    responses((status = 200, description = "A page of appeals", body = PageOf<AppealView>))
)]
pub async fn list_appeals(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AppealQuery>,
) -> ApiResult<Json<PageOf<AppealView>>> {
    Ok(Json(state.app.list_appeals(&caller.ctx, &query).await?))
}

/// The center approves (the ticket drops out of the unit's figures) or rejects (a `note`
/// required) a pending appeal; 409 `appeal_decided` when it was decided already.
#[utoipa::path(
    post,
    path = "/stats/appeals/{id}/{verdict}",
    tag = "stats",
    params(("id" = Uuid, Path, description = "The appeal"), ("verdict" = inline(AppealVerdict), Path, description = "approve or reject")),
    request_body = AppealDecision,
    responses((status = 200, description = "The appeal as decided", body = AppealView))
)]
pub async fn decide_appeal(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, verdict)): ApiPath<(Uuid, AppealVerdict)>,
    ApiJson(input): ApiJson<AppealDecision>,
) -> ApiResult<Json<AppealView>> {
    Ok(Json(state.app.decide_appeal(&caller.ctx, id, verdict, &input).await?))
}

/// The standard monthly report: the month's appeals per day, channel and category, the city's
/// indicators, every unit's figures and rank, and the alerts raised; with `format=xlsx` as one
/// workbook of a sheet per part. The center's only; a month not over runs to today.
#[utoipa::path(
    get,
    path = "/stats/monthly/{month}",
    tag = "stats",
    params(("month" = String, Path, description = "YYYY-MM"), MonthlyQuery),
    responses((status = 200, description = "The report, or with `format=xlsx` a workbook", content(
        (MonthlyReport = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )))
)]
pub async fn monthly_report(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(month): ApiPath<String>,
    ApiQuery(query): ApiQuery<MonthlyQuery>,
) -> ApiResult<Response> {
    let format = query.format.unwrap_or_default();
    let report = state.app.monthly_report(&caller.ctx, &month, format).await?;
    match format {
        ListFormat::Json => Ok(Json(report).into_response()),
        ListFormat::Xlsx | ListFormat::Csv => {
            xlsx::monthly(&report, xlsx::Export::of(format, &headers, &state.app))
        }
    }
}

/// The center's bonuses and deductions to units' scores (加减分) in a period, in the caller's
/// reach.
#[utoipa::path(
    get,
    path = "/stats/adjustments",
    tag = "stats",
    params(AdjustmentQuery),
    responses((status = 200, description = "Oldest first", body = Vec<AdjustmentView>))
)]
pub async fn list_adjustments(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AdjustmentQuery>,
) -> ApiResult<Json<Vec<AdjustmentView>>> {
    Ok(Json(state.app.list_adjustments(&caller.ctx, &query).await?))
}

/// Gives a unit a bonus or a deduction with its reason; its score over any period holding the
/// day carries it.
#[utoipa::path(
    post,
    path = "/stats/adjustments",
    tag = "stats",
    request_body = AdjustmentInput,
    responses((status = 201, description = "Given", body = AdjustmentView))
)]
pub async fn add_adjustment(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AdjustmentInput>,
) -> ApiResult<(http::StatusCode, Json<AdjustmentView>)> {
    Ok((http::StatusCode::CREATED, Json(state.app.add_adjustment(&caller.ctx, &input).await?)))
}

/// Takes an adjustment back.
#[utoipa::path(
    delete,
    path = "/stats/adjustments/{id}",
    tag = "stats",
    params(("id" = Uuid, Path, description = "The adjustment")),
    responses((status = 204, description = "Taken back"))
)]
pub async fn remove_adjustment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<http::StatusCode> {
    state.app.remove_adjustment(&caller.ctx, id).await?;
    Ok(http::StatusCode::NO_CONTENT)
}
