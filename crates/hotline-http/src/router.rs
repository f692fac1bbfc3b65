//! Every route of the HTTP API, in one place.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, patch, post, put};
use http::StatusCode;
use tower::ServiceBuilder;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::handlers::{
    audit, auth, events, federation, health, orgs, reference, tickets, tokens, users, webhooks,
};
use crate::metrics::{self, Metrics};
use crate::{AppState, console, error, middleware, open311};

/// The public router: health checks and the JSON API.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/totp/setup", post(auth::totp_setup))
        .route("/auth/totp/enable", post(auth::totp_enable))
        .route("/me", get(auth::me))
        .route("/auth/session", get(auth::session))
        .route("/orgs", get(orgs::list_orgs).post(orgs::create_org))
        .route(
            "/orgs/{id}",
            get(orgs::get_org).patch(orgs::update_org).delete(orgs::deactivate_org),
        )
        .route("/orgs/{id}/remote", post(federation::make_org_remote))
        .route("/federation/peers", get(federation::list_peers).post(federation::add_peer))
        .route("/federation/peers/{id}/reports", get(federation::list_reports))
        .route("/federation/events", post(federation::receive_event))
        .route("/users", get(users::list_users).post(users::create_user))
        .route(
            "/users/{id}",
            get(users::get_user).patch(users::update_user).delete(users::deactivate_user),
        )
        .route("/users/{id}/reset-password", post(users::reset_password))
        .route("/users/{id}/unlock", post(users::unlock_user))
        .route("/api-tokens", get(tokens::list_api_tokens).post(tokens::create_api_token))
        .route("/api-tokens/{id}/revoke", post(tokens::revoke_api_token))
        .route("/webhooks", get(webhooks::list_webhooks).post(webhooks::create_webhook))
        .route("/webhooks/event-types", get(webhooks::event_types))
        .route("/webhooks/{id}", get(webhooks::get_webhook).patch(webhooks::update_webhook))
        .route("/webhooks/{id}/deliveries", get(webhooks::list_deliveries))
        .route("/webhooks/{id}/deliveries/{delivery_id}/redeliver", post(webhooks::redeliver))
        .route("/audit", get(audit::list_audit))
        .route("/audit/verify", get(audit::verify_audit))
        .route("/categories", get(reference::list_categories).post(reference::create_category))
        .route("/categories/{id}", patch(reference::update_category))
        .route("/calendar", get(reference::get_calendar))
        .route("/calendar/deadline", get(reference::deadline))
        .route(
            "/calendar/days/{date}",
            put(reference::set_calendar_day).delete(reference::clear_calendar_day),
        )
        .route(
            "/sla-policies",
            get(reference::list_sla_policies).post(reference::create_sla_policy),
        )
        .route("/sla-policies/{id}", patch(reference::update_sla_policy))
        .route(
            "/routing-rules",
            get(reference::list_routing_rules).post(reference::create_routing_rule),
        )
        .route("/routing-rules/{id}", patch(reference::update_routing_rule))
        .route("/routing/suggest", get(reference::suggest_unit))
        .route("/tickets", get(tickets::list_tickets).post(tickets::create_ticket))
        .route("/tickets/batch-assign", post(tickets::batch_assign))
        .route("/tickets/counts", get(tickets::ticket_counts))
        .route("/events", get(events::stream))
        .route("/stats/overview", get(tickets::stats_overview))
        .route("/tickets/deadline-preview", get(reference::deadline_preview))
        .route("/tickets/{id}", get(tickets::get_ticket))
        .route("/tickets/{id}/actions/{action}", post(tickets::perform_action))
        .route("/callers/lookup", post(tickets::caller_history));

    let config = &state.app.config.http;
    let layers = ServiceBuilder::new()
        .layer(from_fn(middleware::sanitize_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace_layer())
        .layer(from_fn_with_state(Arc::clone(&state.metrics), metrics::track))
        .layer(from_fn(middleware::security_headers))
        .layer(from_fn(error::render_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(from_fn(middleware::check_origin));

    // Open311 serves public apps on other origins, without cookies: no origin check, open CORS,
    // Open311 error documents instead of our envelope, and room for a photo in the body.
    let open311 = Router::new()
        .route("/{name}", get(open311::read).post(open311::create))
        .route("/services/{name}", get(open311::service_definition))
        .route("/service/{name}", get(open311::service_definition))
        .route("/requests/{name}", get(open311::request))
        .route("/tokens/{name}", get(open311::token))
        .route("/media/{id}", get(open311::media))
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(middleware::sanitize_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(trace_layer())
                .layer(from_fn_with_state(Arc::clone(&state.metrics), metrics::track))
                .layer(from_fn(middleware::security_headers))
                .layer(CorsLayer::new().allow_origin(Any).allow_methods(Any).allow_headers(Any))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(config.request_timeout_secs),
                ))
                .layer(DefaultBodyLimit::max(
                    state.app.config.open311.max_media_bytes + config.body_limit_bytes,
                )),
        );

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/api/v1", api)
        .fallback(console::serve)
        .layer(layers)
        .nest("/open311/v2", open311)
        .with_state(state)
}

/// One log line per request, with its route and id.
fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&axum::extract::Request) -> tracing::Span + Clone,
> {
    TraceLayer::new_for_http()
        .make_span_with(|request: &axum::extract::Request| {
            let route = request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map_or("unmatched", axum::extract::MatchedPath::as_str);
            let request_id =
                request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), route, request_id)
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
}

/// The metrics router, for the separate management listener.
pub fn metrics_router(metrics: Arc<Metrics>) -> Router {
    Router::new().route("/metrics", get(metrics::serve_metrics)).with_state(metrics)
}
