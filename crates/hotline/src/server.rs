//! Running the server: listeners, the background jobs, graceful shutdown.

use std::net::SocketAddr;

use hotline_app::{App, Mode};
use hotline_http::AppState;
use tokio::net::TcpListener;

pub async fn run(app: App) -> anyhow::Result<()> {
    let state = AppState::new(app.clone());
    let listener = TcpListener::bind(app.config.listen).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {} for the API: {e} (move it with `listen` in hotline.toml, \
             HOTLINE_LISTEN, or `demo --listen`)",
            app.config.listen
        )
    })?;
    tracing::info!(listen = %app.config.listen, "serving the API");

    if app.config.metrics_enabled {
        let metrics = bind_metrics(&app).await?;
        let registry = state.metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = hotline_http::serve_metrics(registry, metrics).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
    }

    app.open_search().await?;
    app.catch_up_stats().await?;
    let jobs = app.start_jobs();
    hotline_http::serve(state, listener, shutdown_signal()).await?;
    for job in jobs {
        job.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// The metrics listener. A demo whose metrics port is taken (another demo on this machine)
/// takes a free one and says which; a server fails, naming the setting that moves it.
async fn bind_metrics(app: &App) -> anyhow::Result<TcpListener> {
    let wanted = app.config.metrics_listen;
    let listener = match TcpListener::bind(wanted).await {
        Ok(listener) => listener,
        Err(e) if app.mode == Mode::Demo => {
            let any = SocketAddr::new(wanted.ip(), 0);
            tracing::warn!(wanted = %wanted, error = %e, "metrics port taken; using a free one");
            TcpListener::bind(any).await?
        }
        Err(e) => anyhow::bail!(
            "cannot listen on {wanted} for metrics: {e} (move it with `metrics_listen` in \
             hotline.toml or HOTLINE_METRICS_LISTEN, or turn it off with metrics_enabled = false)"
        ),
    };
    tracing::info!(listen = %listener.local_addr()?, "serving metrics at /metrics");
    Ok(listener)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
