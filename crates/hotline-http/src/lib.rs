//! The HTTP layer: extractors, thin handlers, one router, the JSON error envelope.

pub mod console;
pub mod error;
pub mod extract;
pub mod handlers;
pub mod i18n;
pub mod metrics;
pub mod middleware;
pub mod open311;
pub mod openapi;
pub mod router;
pub mod xlsx;

use std::net::SocketAddr;
use std::sync::Arc;

use hotline_app::App;
use tokio::net::TcpListener;

pub use router::{metrics_router, router};

#[derive(Clone, Debug)]
pub struct AppState {
    pub app: App,
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    #[must_use]
    pub fn new(app: App) -> Self {
        Self { metrics: Arc::new(metrics::Metrics::for_app(app.clone())), app }
    }
}

/// Serves the API on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves `/metrics` on its own listener.
pub async fn serve_metrics(
    metrics: Arc<metrics::Metrics>,
    listener: TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_router(metrics)).await
}
