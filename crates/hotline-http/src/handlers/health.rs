use axum::Json;
use axum::extract::State;
use hotline_app::Error;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Object)),
    security(())
)]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers and no migration is pending.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses((status = 200, description = "`{\"status\": \"ready\"}`: the database answers, no migration pending", body = Object)),
    security(())
)]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.app.store.ping().await.map_err(|_| ApiError(Error::Unavailable))?;
    let pending =
        state.app.store.pending_migrations().await.map_err(|_| ApiError(Error::Unavailable))?;
    if !pending.is_empty() {
        return Err(ApiError(Error::Unavailable));
    }
    Ok(Json(json!({ "status": "ready" })))
}
