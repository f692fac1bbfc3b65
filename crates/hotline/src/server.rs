//! Running the server: listeners, housekeeping, graceful shutdown.

use std::time::Duration;

use hotline_app::App;
use hotline_http::AppState;
use tokio::net::TcpListener;

/// How often expired sessions are swept from the database.
const SESSION_SWEEP: Duration = Duration::from_secs(300);

pub async fn run(app: App) -> anyhow::Result<()> {
    let state = AppState::new(app.clone());
    let listener = TcpListener::bind(app.config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", app.config.listen))?;
    tracing::info!(listen = %app.config.listen, "serving the API");

    if app.config.metrics_enabled {
        let metrics = TcpListener::bind(app.config.metrics_listen).await.map_err(|e| {
            anyhow::anyhow!("cannot listen on {} for metrics: {e}", app.config.metrics_listen)
        })?;
        tracing::info!(listen = %app.config.metrics_listen, "serving metrics at /metrics");
        let registry = state.metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = hotline_http::serve_metrics(registry, metrics).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
    }

    let sweeper = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SESSION_SWEEP);
        loop {
            tick.tick().await;
            match sweeper.purge_expired_sessions().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });

    let timers = app.clone();
    tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(Duration::from_secs(timers.config.tickets.timer_interval_secs));
        loop {
            tick.tick().await;
            match timers.run_due_timers().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(fired = n, "deadline timers fired"),
                Err(e) => tracing::warn!(error = %e, "deadline timers failed"),
            }
        }
    });

    let outbox = app.clone();
    tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(Duration::from_millis(outbox.config.webhooks.interval_ms));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = outbox.run_integrations().await {
                tracing::warn!(error = %e, "webhook or federation deliveries failed");
            }
        }
    });

    hotline_http::serve(state, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
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
