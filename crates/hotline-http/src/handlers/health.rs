use axum::Json;
use axum::extract::State;
use hotline_app::Error;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers and no migration is pending.
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.app.store.ping().await.map_err(|_| ApiError(Error::Unavailable))?;
    let pending =
        state.app.store.pending_migrations().await.map_err(|_| ApiError(Error::Unavailable))?;
    if !pending.is_empty() {
        return Err(ApiError(Error::Unavailable));
    }
    Ok(Json(json!({ "status": "ready" })))
}
