use axum::Json;
use axum::extract::State;
use hotline_app::jobs::JobStatus;
use hotline_app::ops::SystemFigures;
use serde::Serialize;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::Caller;
use crate::metrics::RequestFigures;

/// The background jobs of this instance: last run, last error, items done, lag (admins).
#[utoipa::path(
    get,
    path = "/jobs",
    tag = "system",
    responses((status = 200, description = "OK", body = Vec<hotline_app::jobs::JobStatus>))
)]
pub async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<JobStatus>>> {
    Ok(Json(state.app.job_statuses(&caller.ctx).await?))
}

/// The running system at a glance (系统统计): who is online, the API's requests and errors
/// since start, the jobs and their lag, what the data takes on disk.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SystemOverview {
    #[serde(flatten)]
    pub figures: SystemFigures,
    pub requests: RequestFigures,
}

/// The system's figures for admins: this instance's, since it started.
#[utoipa::path(
    get,
    path = "/system/overview",
    tag = "system",
    responses((status = 200, description = "OK", body = SystemOverview))
)]
pub async fn system_overview(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SystemOverview>> {
    let figures = state.app.system_figures(&caller.ctx).await?;
    Ok(Json(SystemOverview { figures, requests: state.metrics.request_figures() }))
}
