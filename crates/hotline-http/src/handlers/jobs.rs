use axum::Json;
use axum::extract::State;
use hotline_app::jobs::JobStatus;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::Caller;

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
