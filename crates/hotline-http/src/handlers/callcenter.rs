//! The call center: seats, queues and agents (admins), an agent's own state, the floor for
//! supervisors, call records — and under `/cti/v1` what the softswitch asks and tells.

use axum::Json;
use axum::extract::State;
use hotline_app::callcenter::{
    AgentSkillsInput, AgentStateInput, AgentView, CallQuery, CallView, CtiAck, CtiEvent, LinkInput,
    LoginInput, QueueInput, QueueView, RerouteRequest, RouteDecision, RouteRequest, SeatInput,
    SeatView, Wallboard,
};
use hotline_app::config::NotReadyReason;
use hotline_app::paging::PageOf;
use http::StatusCode;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// The seats (extensions) and who is logged in at each.
#[utoipa::path(get, path = "/callcenter/seats", tag = "callcenter",
    responses((status = 200, description = "Seats", body = Vec<SeatView>)))]
pub async fn list_seats(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SeatView>>> {
    Ok(Json(state.app.list_seats(&caller.ctx).await?))
}

/// Adds a seat (admin); 409 `already_exists` on a taken extension.
#[utoipa::path(post, path = "/callcenter/seats", tag = "callcenter", request_body = SeatInput,
    responses((status = 201, description = "Created", body = SeatView)))]
pub async fn create_seat(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<SeatInput>,
) -> ApiResult<(StatusCode, Json<SeatView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_seat(&caller.ctx, &input).await?)))
}

/// The queues: lines by dialled number and how they route.
#[utoipa::path(get, path = "/callcenter/queues", tag = "callcenter",
    responses((status = 200, description = "Queues", body = Vec<QueueView>)))]
pub async fn list_queues(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<QueueView>>> {
    Ok(Json(state.app.list_queues(&caller.ctx).await?))
}

/// Adds a queue (admin); a number belongs to one active queue.
#[utoipa::path(post, path = "/callcenter/queues", tag = "callcenter", request_body = QueueInput,
    responses((status = 201, description = "Created", body = QueueView)))]
pub async fn create_queue(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<QueueInput>,
) -> ApiResult<(StatusCode, Json<QueueView>)> {
    Ok((StatusCode::CREATED, Json(state.app.save_queue(&caller.ctx, None, &input).await?)))
}

/// Changes a queue (admin).
#[utoipa::path(put, path = "/callcenter/queues/{id}", tag = "callcenter",
    params(("id" = Uuid, Path, description = "The queue")), request_body = QueueInput,
    responses((status = 200, description = "Saved", body = QueueView)))]
pub async fn update_queue(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<QueueInput>,
) -> ApiResult<Json<QueueView>> {
    Ok(Json(state.app.save_queue(&caller.ctx, Some(id), &input).await?))
}

/// Every agent and their state (supervisor).
#[utoipa::path(get, path = "/callcenter/agents", tag = "callcenter",
    responses((status = 200, description = "Agents", body = Vec<AgentView>)))]
pub async fn list_agents(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<AgentView>>> {
    Ok(Json(state.app.list_agents(&caller.ctx).await?))
}

/// Makes a user an agent with these skills, or changes them (admin).
#[utoipa::path(put, path = "/callcenter/agents/{id}", tag = "callcenter",
    params(("id" = Uuid, Path, description = "The user")), request_body = AgentSkillsInput,
    responses((status = 200, description = "Saved", body = AgentView)))]
pub async fn set_agent_skills(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AgentSkillsInput>,
) -> ApiResult<Json<AgentView>> {
    Ok(Json(state.app.set_agent_skills(&caller.ctx, id, &input).await?))
}

/// A supervisor forces an agent not ready or logs them out (when a call ends, if on one).
#[utoipa::path(post, path = "/callcenter/agents/{id}/force", tag = "callcenter",
    params(("id" = Uuid, Path, description = "The agent")), request_body = AgentStateInput,
    responses((status = 200, description = "The agent now", body = AgentView)))]
pub async fn force_agent(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<AgentStateInput>,
) -> ApiResult<Json<AgentView>> {
    Ok(Json(state.app.force_agent(&caller.ctx, id, &input).await?))
}

/// The reasons an agent may give for not being ready.
#[utoipa::path(get, path = "/callcenter/reasons", tag = "callcenter",
    responses((status = 200, description = "Reasons", body = Vec<NotReadyReason>)))]
pub async fn not_ready_reasons(
    State(state): State<AppState>,
    _caller: Caller,
) -> ApiResult<Json<Vec<NotReadyReason>>> {
    Ok(Json(state.app.not_ready_reasons()))
}

/// The signed-in agent's state.
#[utoipa::path(get, path = "/callcenter/me", tag = "callcenter",
    responses((status = 200, description = "The agent", body = AgentView)))]
pub async fn my_agent(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<AgentView>> {
    Ok(Json(state.app.my_agent(&caller.ctx).await?))
}

/// Logs the signed-in agent in at a seat; 409 `seat_taken` when another agent is there.
#[utoipa::path(post, path = "/callcenter/me/login", tag = "callcenter", request_body = LoginInput,
    responses((status = 200, description = "The agent, not ready", body = AgentView)))]
pub async fn agent_login(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<Json<AgentView>> {
    Ok(Json(state.app.agent_login(&caller.ctx, &input).await?))
}

/// Ready, not ready with a reason, or logged out; 409 `agent_state` when the state forbids it.
#[utoipa::path(post, path = "/callcenter/me/state", tag = "callcenter",
    request_body = AgentStateInput,
    responses((status = 200, description = "The agent now", body = AgentView)))]
pub async fn agent_set_state(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<AgentStateInput>,
) -> ApiResult<Json<AgentView>> {
    Ok(Json(state.app.agent_set_state(&caller.ctx, &input).await?))
}

/// The floor now (现场监控): queues, agents by state, the day's and last hour's figures.
#[utoipa::path(get, path = "/callcenter/wallboard", tag = "callcenter",
    responses((status = 200, description = "The wallboard", body = Wallboard)))]
pub async fn wallboard(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Wallboard>> {
    Ok(Json(state.app.wallboard(&caller.ctx).await?))
}

/// Call records, newest first: everyone's for supervisors, an agent's own.
#[utoipa::path(get, path = "/calls", tag = "callcenter", params(CallQuery),
    responses((status = 200, description = "A page of calls", body = PageOf<CallView>)))]
pub async fn list_calls(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CallQuery>,
) -> ApiResult<Json<PageOf<CallView>>> {
    Ok(Json(state.app.list_calls(&caller.ctx, &query).await?))
}

/// Links a call to the ticket it led to.
#[utoipa::path(post, path = "/calls/{id}/ticket", tag = "callcenter",
    params(("id" = Uuid, Path, description = "The call")), request_body = LinkInput,
    responses((status = 200, description = "The call", body = CallView)))]
pub async fn link_call(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<LinkInput>,
) -> ApiResult<Json<CallView>> {
    Ok(Json(state.app.link_call(&caller.ctx, id, &input).await?))
}

/// Kamailio asks where a new call goes (a `softswitch` token): an rtjson document of the
/// agents to ring, or a rejection with its SIP code.
#[utoipa::path(post, path = "/route", tag = "cti", request_body = RouteRequest,
    responses((status = 200, description = "The decision", body = RouteDecision)))]
pub async fn route(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<RouteRequest>,
) -> ApiResult<Json<RouteDecision>> {
    Ok(Json(state.app.cti_route(&caller.ctx, &request).await?))
}

/// Kamailio tells an offer failed and asks where the call goes next.
#[utoipa::path(post, path = "/reroute", tag = "cti", request_body = RerouteRequest,
    responses((status = 200, description = "The decision", body = RouteDecision)))]
pub async fn reroute(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<RerouteRequest>,
) -> ApiResult<Json<RouteDecision>> {
    Ok(Json(state.app.cti_reroute(&caller.ctx, &request).await?))
}

/// One call event from the softswitch, keyed by Call-ID; duplicates and stragglers change
/// nothing (`applied: false`).
#[utoipa::path(post, path = "/events", tag = "cti", request_body = CtiEvent,
    responses((status = 200, description = "Taken", body = CtiAck)))]
pub async fn event(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(event): ApiJson<CtiEvent>,
) -> ApiResult<Json<CtiAck>> {
    Ok(Json(state.app.cti_event(&caller.ctx, &event).await?))
}
