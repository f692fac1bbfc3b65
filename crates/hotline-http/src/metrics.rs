//! Prometheus metrics, kept in the application state (no global registry) and served on a
//! separate listener that is not exposed with the public API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde::Serialize;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

/// The background jobs' figures, copied from the application's job board at each scrape.
#[derive(Debug, Default)]
struct JobGauges {
    runs: Family<JobLabels, Gauge>,
    failures: Family<JobLabels, Gauge>,
    items: Family<JobLabels, Gauge>,
    lag: Family<JobLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    last_success: Family<JobLabels, Gauge>,
}

impl JobGauges {
    fn register(&self, registry: &mut Registry) {
        registry.register("job_runs", "Runs of a background job since start", self.runs.clone());
        registry.register(
            "job_failures",
            "Failed runs of a background job since start",
            self.failures.clone(),
        );
        registry.register(
            "job_items",
            "Items a background job handled since start",
            self.items.clone(),
        );
        registry.register(
            "job_lag_seconds",
            "How long the oldest work a job has not done yet has waited",
            self.lag.clone(),
        );
        registry.register(
            "job_last_success_timestamp_seconds",
            "When a background job last ran without error (Unix time)",
            self.last_success.clone(),
        );
    }

    fn set(&self, statuses: &[hotline_app::jobs::JobStatus]) {
        let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        for s in statuses {
            let labels = JobLabels { job: s.name.clone() };
            self.runs.get_or_create(&labels).set(gauge(s.runs));
            self.failures.get_or_create(&labels).set(gauge(s.failures));
            self.items.get_or_create(&labels).set(gauge(s.items_total));
            self.lag.get_or_create(&labels).set(s.lag_secs.unwrap_or(0.0));
            if let Some(at) = s.last_success_at {
                self.last_success.get_or_create(&labels).set(at.timestamp());
            }
        }
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_5, 2.0, 16))
}

/// One route's requests since start, for the admins' system page (Prometheus' families cannot
/// be read back).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RouteCount {
    pub method: String,
    pub route: String,
    pub requests: u64,
    /// Answered 4xx: the callers' mistakes, refusals, missing sign-ins.
    pub client_errors: u64,
    /// Answered 5xx: ours.
    pub server_errors: u64,
    pub mean_ms: f64,
}

/// The API's requests since this instance started.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RequestFigures {
    pub since: DateTime<Utc>,
    pub requests: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    /// The busiest routes first.
    pub routes: Vec<RouteCount>,
}

/// One route's counts as they are kept.
#[derive(Debug, Default)]
struct Tally {
    requests: u64,
    client_errors: u64,
    server_errors: u64,
    seconds: f64,
}

/// The most routes the system page lists.
const TOP_ROUTES: usize = 20;

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    jobs: JobGauges,
    /// Per method and route.
    tally: Mutex<HashMap<(String, String), Tally>>,
    since: DateTime<Utc>,
    /// Where the job figures come from.
    app: Option<hotline_app::App>,
}

impl Metrics {
    /// The request metrics, and the jobs of `app`.
    #[must_use]
    pub fn for_app(app: hotline_app::App) -> Self {
        Self { since: app.now(), app: Some(app), ..Self::default() }
    }

    /// The requests counted so far, the busiest routes first.
    #[must_use]
    pub fn request_figures(&self) -> RequestFigures {
        let tally = self.tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut routes: Vec<RouteCount> = tally
            .iter()
            .map(|((method, route), t)| RouteCount {
                method: method.clone(),
                route: route.clone(),
                requests: t.requests,
                client_errors: t.client_errors,
                server_errors: t.server_errors,
                mean_ms: if t.requests == 0 { 0.0 } else { t.seconds * 1000.0 / t.requests as f64 },
            })
            .collect();
        drop(tally);
        routes.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.route.cmp(&b.route)));
        RequestFigures {
            since: self.since,
            requests: routes.iter().map(|r| r.requests).sum(),
            client_errors: routes.iter().map(|r| r.client_errors).sum(),
            server_errors: routes.iter().map(|r| r.server_errors).sum(),
            routes: routes.into_iter().take(TOP_ROUTES).collect(),
        }
    }

    fn count(&self, method: String, route: String, status: u16, secs: f64) {
        let mut tally = self.tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = tally.entry((method, route)).or_default();
        entry.requests += 1;
        entry.client_errors += u64::from((400..500).contains(&status));
        entry.server_errors += u64::from(status >= 500);
        entry.seconds += secs;
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("hotline");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register("http_requests", "HTTP requests by route and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency", latency.clone());
        let jobs = JobGauges::default();
        jobs.register(&mut registry);
        Self {
            registry,
            requests,
            latency,
            jobs,
            tally: Mutex::default(),
            since: Utc::now(),
            app: None,
        }
    }
}

impl Metrics {
    #[must_use]
    pub fn render(&self) -> String {
        if let Some(app) = &self.app {
            self.jobs.set(&app.job_snapshot());
        }
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Counts and times every request by its route template (never the raw path: ids and query
/// strings stay out of metrics).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let (secs, status) = (started.elapsed().as_secs_f64(), response.status().as_u16());
    metrics
        .latency
        .get_or_create(&RouteLabels { method: method.clone(), route: route.clone() })
        .observe(secs);
    metrics
        .requests
        .get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status })
        .inc();
    metrics.count(method, route, status, secs);
    response
}

pub async fn serve_metrics(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.render(),
    )
}
