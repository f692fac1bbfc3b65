//! Every route of the HTTP API, in one place.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use http::StatusCode;
use tower::ServiceBuilder;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::handlers::{
    alerts, audit, auth, briefings, callcenter, desk, events, federation, health, jobs, kb, orgs,
    reference, reports, search, stats, tickets, tokens, users, webhooks,
};
use crate::metrics::{self, Metrics};
use crate::openapi::{self, ApiDoc};
use crate::{AppState, console, error, middleware, open311};

/// The public router: health checks and the JSON API.
pub fn router(state: AppState) -> Router {
    // Each handler's `#[utoipa::path]` names its method and path; `routes!` groups the
    // handlers of one path. The OpenAPI document is collected from the same list.
    let api = OpenApiRouter::new()
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::totp_setup))
        .routes(routes!(auth::totp_enable))
        .routes(routes!(auth::me))
        .routes(routes!(auth::session))
        .routes(routes!(orgs::list_orgs, orgs::create_org))
        .routes(routes!(orgs::get_org, orgs::update_org, orgs::deactivate_org))
        .routes(routes!(federation::make_org_remote))
        .routes(routes!(federation::list_peers, federation::add_peer))
        .routes(routes!(federation::list_reports))
        .routes(routes!(federation::receive_event))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user, users::update_user, users::deactivate_user))
        .routes(routes!(users::reset_password))
        .routes(routes!(users::unlock_user))
        .routes(routes!(tokens::list_api_tokens, tokens::create_api_token))
        .routes(routes!(tokens::revoke_api_token))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::event_types))
        .routes(routes!(webhooks::get_webhook, webhooks::update_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(audit::list_audit))
        .routes(routes!(audit::verify_audit))
        .routes(routes!(jobs::list_jobs))
        .routes(routes!(jobs::system_overview))
        .routes(routes!(reference::list_categories, reference::create_category))
        .routes(routes!(reference::update_category))
        .routes(routes!(reference::get_calendar))
        .routes(routes!(reference::deadline))
        .routes(routes!(reference::set_calendar_day, reference::clear_calendar_day))
        .routes(routes!(reference::confirm_calendar_year, reference::unconfirm_calendar_year))
        .routes(routes!(reference::list_sla_policies, reference::create_sla_policy))
        .routes(routes!(reference::update_sla_policy))
        .routes(routes!(reference::list_routing_rules, reference::create_routing_rule))
        .routes(routes!(reference::update_routing_rule))
        .routes(routes!(reference::suggest_unit))
        .routes(routes!(reference::match_region))
        .routes(routes!(tickets::list_tickets, tickets::create_ticket))
        .routes(routes!(tickets::batch_assign))
        .routes(routes!(tickets::ticket_counts))
        .routes(routes!(events::stream))
        .routes(routes!(stats::stats_overview))
        .routes(routes!(stats::unit_figures))
        .routes(routes!(stats::duty_figures))
        .routes(routes!(stats::counted_tickets))
        .routes(routes!(stats::repeat_callers))
        .routes(routes!(stats::frequent_words))
        .routes(routes!(stats::word_tickets))
        .routes(routes!(stats::list_bulletins, stats::publish_bulletin))
        .routes(routes!(stats::get_bulletin))
        .routes(routes!(stats::monthly_report))
        .routes(routes!(stats::list_adjustments, stats::add_adjustment))
        .routes(routes!(stats::remove_adjustment))
        .routes(routes!(stats::list_appeals))
        .routes(routes!(stats::decide_appeal))
        .routes(routes!(stats::file_appeal))
        .routes(routes!(briefings::list_briefings, briefings::create_briefing))
        .routes(routes!(briefings::briefing_excerpts))
        .routes(routes!(
            briefings::get_briefing,
            briefings::save_briefing,
            briefings::delete_briefing
        ))
        .routes(routes!(briefings::publish_briefing))
        .routes(routes!(reports::run_report))
        .routes(routes!(reports::report_tickets))
        .routes(routes!(reports::list_reports, reports::save_report))
        .routes(routes!(reports::get_report, reports::update_report, reports::delete_report))
        .routes(routes!(alerts::list_alerts))
        .routes(routes!(alerts::handle_alert))
        .routes(routes!(reference::deadline_preview))
        .routes(routes!(tickets::get_ticket, tickets::correct_ticket, tickets::delete_draft))
        .routes(routes!(tickets::perform_action))
        .routes(routes!(tickets::reveal_contact))
        .routes(routes!(tickets::upload_file))
        .routes(routes!(desk::get_preferences, desk::put_preferences))
        .routes(routes!(desk::list_phrases, desk::create_phrase))
        .routes(routes!(desk::update_phrase, desk::delete_phrase))
        .routes(routes!(kb::list_articles, kb::create_article))
        .routes(routes!(kb::export_articles))
        .routes(routes!(kb::import_articles))
        .routes(routes!(kb::get_article, kb::update_article))
        .routes(routes!(kb::review_article))
        .routes(routes!(kb::article_versions))
        .routes(routes!(kb::list_feedback, kb::give_feedback))
        .routes(routes!(kb::article_attachment))
        .routes(routes!(desk::suggestions))
        .routes(routes!(search::search_tickets))
        .routes(routes!(search::index_status))
        .routes(routes!(search::rebuild_index))
        .routes(routes!(search::list_words, search::add_word))
        .routes(routes!(search::remove_word))
        .routes(routes!(tickets::attachment_content))
        .routes(routes!(tickets::ticket_accesses))
        .routes(routes!(tickets::caller_history))
        .routes(routes!(callcenter::list_seats, callcenter::create_seat))
        .routes(routes!(callcenter::list_queues, callcenter::create_queue))
        .routes(routes!(callcenter::update_queue))
        .routes(routes!(callcenter::list_agents))
        .routes(routes!(callcenter::set_agent_skills))
        .routes(routes!(callcenter::force_agent))
        .routes(routes!(callcenter::not_ready_reasons))
        .routes(routes!(callcenter::my_agent))
        .routes(routes!(callcenter::agent_login))
        .routes(routes!(callcenter::agent_set_state))
        .routes(routes!(callcenter::wallboard))
        .routes(routes!(callcenter::list_calls))
        .routes(routes!(callcenter::link_call));
    // What the softswitch asks and tells, with a `softswitch` API token.
    let cti = OpenApiRouter::new()
        .routes(routes!(callcenter::route))
        .routes(routes!(callcenter::reroute))
        .routes(routes!(callcenter::event));
    let (routes, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .nest("/api/v1", api)
        .nest("/cti/v1", cti)
        .split_for_parts();
    openapi::complete(&mut document);
    let document = Arc::new(document);

    let config = &state.app.config.http;
    let transport = middleware::Transport { https_only: state.app.config.security.cookie_secure };
    let layers = ServiceBuilder::new()
        .layer(from_fn(middleware::sanitize_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace_layer())
        .layer(from_fn_with_state(Arc::clone(&state.metrics), metrics::track))
        .layer(from_fn_with_state(transport, middleware::security_headers))
        .layer(from_fn(error::render_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(from_fn_with_state(transport, middleware::check_origin));

    // Open311 serves public apps on other origins, without cookies: no origin check, open CORS,
    // Open311 error documents instead of our envelope, and room for a photo in the body.
    let open311 = Router::new()
        .route("/{name}", get(open311::read).post(open311::create))
        .route("/services/{name}", get(open311::service_definition))
        .route("/service/{name}", get(open311::service_definition))
        .route("/requests/{name}", get(open311::request))
        .route("/tokens/{name}", get(open311::token))
        .route("/media/{id}", get(open311::media))
        .method_not_allowed_fallback(open311::method_not_allowed)
        .layer(
            ServiceBuilder::new()
                .layer(from_fn(middleware::sanitize_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(trace_layer())
                .layer(from_fn_with_state(Arc::clone(&state.metrics), metrics::track))
                .layer(from_fn_with_state(transport, middleware::security_headers))
                .layer(CorsLayer::new().allow_origin(Any).allow_methods(Any).allow_headers(Any))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(config.request_timeout_secs),
                ))
                .layer(DefaultBodyLimit::max(
                    state.app.config.open311.max_media_bytes + config.body_limit_bytes,
                )),
        );

    routes
        .route("/api/openapi.json", get(move || openapi::serve(Arc::clone(&document))))
        .route("/api/docs", get(console::api_docs))
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
