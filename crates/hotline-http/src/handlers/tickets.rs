use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use hotline_app::paging::{ListFormat, PageOf};
use hotline_app::tickets::attachments;
use hotline_app::tickets::callers::{CallerHistory, CallerLookup};
use hotline_app::tickets::corrections::TicketCorrection;
use hotline_app::tickets::{
    AccessQuery, ActionInput, BatchAssign, BatchResult, FileContent, NewTicket, RevealContact,
    RevealedContact, TicketAccess, TicketQuery, TicketView, UploadQuery, UploadedFile,
};
use hotline_domain::TicketId;
use hotline_domain::{FieldError, FieldIssue};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::{AppState, xlsx};

/// Registers an appeal. With `Idempotency-Key`, a retry gets the first request's ticket
/// (200) instead of a second ticket (201).
#[utoipa::path(
    post,
    path = "/tickets",
    tag = "tickets",
    params(("idempotency-key" = Option<String>, Header, min_length = 1, max_length = 128, pattern = "^[!-~]+$", description = "A retry with the same key gets the first ticket (200), never a second one")),
    request_body = hotline_app::tickets::NewTicket,
    responses((status = 201, description = "Registered", body = hotline_app::tickets::TicketView), (status = 200, description = "A retry: the ticket the key registered first", body = hotline_app::tickets::TicketView))
)]
pub async fn create_ticket(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewTicket>,
) -> ApiResult<impl IntoResponse> {
    let (ticket, created) =
        state.app.create_ticket(&caller.ctx, body, idempotency_key(&headers)).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ticket)))
}

/// The ticket, its deadlines, its timeline and the caller's allowed actions (read audited).
#[utoipa::path(
    get,
    path = "/tickets/{id}",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The ticket"), TicketRead),
    responses((status = 200, description = "OK", body = hotline_app::tickets::TicketView))
)]
pub async fn get_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiQuery(read): ApiQuery<TicketRead>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(state.app.get_ticket(&caller.ctx, id, read.refresh.unwrap_or(false)).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketRead {
    /// `true` when a client reloads a ticket it shows already (the console's live updates):
    /// such a read is audited only when this caller's last audited read of the ticket is older
    /// than 30 minutes. Opening a ticket is audited every time.
    pub refresh: Option<bool>,
}

/// Work lists: `view` (my_drafts, to_dispatch, inbox, inbox_to_accept, inbox_in_progress,
/// inbox_returned, inbox_overdue, to_decide, to_review, to_callback) and filters.
#[utoipa::path(
    get,
    path = "/tickets",
    tag = "tickets",
    params(hotline_app::tickets::TicketQuery),
    responses((status = 200, description = "A page of JSON, or with `format=xlsx` every matching ticket as a spreadsheet", content(
        (hotline_app::paging::PageOf<hotline_app::tickets::TicketSummary> = "application/json"),
        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (String = "text/csv; charset=utf-8"),
    )))
)]
pub async fn list_tickets(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<TicketQuery>,
) -> ApiResult<Response> {
    let format = query.format.unwrap_or_default();
    let page = state.app.list_tickets(&caller.ctx, query).await?;
    match format {
        ListFormat::Json => Ok(Json(page).into_response()),
        format @ (ListFormat::Xlsx | ListFormat::Csv) => {
            xlsx::tickets(&page.items, xlsx::Export::of(format, &headers, &state.app))
        }
    }
}

/// `POST /tickets/{id}/actions/{action}`: every move of the lifecycle. With `Idempotency-Key`,
/// a retry answers with the ticket instead of acting twice.
#[utoipa::path(
    post,
    path = "/tickets/{id}/actions/{action}",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The ticket"), ("action" = hotline_domain::ticket::Action, Path, description = "The lifecycle move"), ("idempotency-key" = Option<String>, Header, min_length = 1, max_length = 128, pattern = "^[!-~]+$", description = "A retry with the same key answers with the ticket instead of acting twice")),
    request_body = hotline_app::tickets::ActionInput,
    responses((status = 200, description = "OK", body = hotline_app::tickets::TicketView))
)]
pub async fn perform_action(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath((id, action)): ApiPath<(TicketId, String)>,
    ApiJson(body): ApiJson<ActionInput>,
) -> ApiResult<Json<TicketView>> {
    let key = idempotency_key(&headers);
    Ok(Json(state.app.perform_action(&caller.ctx, id, &action, body, key).await?))
}

/// The caller's number for a unit holding the ticket that must reach the citizen (联系市民):
/// the reason is required and the reveal audited. Never for confidential tickets.
#[utoipa::path(
    post,
    path = "/tickets/{id}/actions/reveal_contact",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The ticket")),
    request_body = hotline_app::tickets::RevealContact,
    responses((status = 200, description = "OK", body = hotline_app::tickets::RevealedContact))
)]
pub async fn reveal_contact(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<RevealContact>,
) -> ApiResult<Json<RevealedContact>> {
    Ok(Json(state.app.reveal_contact(&caller.ctx, id, body).await?))
}

/// Who opened the ticket and who revealed its caller, newest first (supervisors).
#[utoipa::path(
    get,
    path = "/tickets/{id}/accesses",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The ticket"), AccessQuery),
    responses((status = 200, description = "OK", body = PageOf<TicketAccess>))
)]
pub async fn ticket_accesses(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiQuery(query): ApiQuery<AccessQuery>,
) -> ApiResult<Json<PageOf<TicketAccess>>> {
    Ok(Json(state.app.ticket_accesses(&caller.ctx, id, query).await?))
}

/// Corrects a registered ticket's intake fields (center staff, with a reason; the timeline
/// keeps what each field was) or edits a draft (its author). `version` guards against
/// overwriting someone else's change.
#[utoipa::path(
    patch,
    path = "/tickets/{id}",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The ticket")),
    request_body = TicketCorrection,
    responses((status = 200, description = "OK", body = hotline_app::tickets::TicketView))
)]
pub async fn correct_ticket(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<TicketCorrection>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(state.app.correct_ticket(&caller.ctx, id, body).await?))
}

/// Deletes a draft (its author only); a registered ticket is never deleted.
#[utoipa::path(
    delete,
    path = "/tickets/{id}",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The draft")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete_draft(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<TicketId>,
) -> ApiResult<StatusCode> {
    state.app.delete_draft(&caller.ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Keeps a file for an attachment to name: the raw bytes as the body, the name in the query.
/// The answer goes into `attachments` of an intake or an action as it is.
#[utoipa::path(
    post,
    path = "/files",
    tag = "tickets",
    params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes (up to 50 MiB): a photo, video, voice recording, PDF or office document"),
    responses((status = 201, description = "Kept", body = UploadedFile))
)]
pub async fn upload_file(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<UploadQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<UploadedFile>)> {
    let limit = usize::try_from(attachments::MAX_ATTACHMENT_BYTES).unwrap_or(usize::MAX);
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| FieldError::new("file", FieldIssue::TooLong).with_limit(limit))?;
    let file = state.app.upload_file(&caller.ctx, query, &bytes).await?;
    Ok((StatusCode::CREATED, Json(file)))
}

/// An attachment's file, for whoever may open its ticket (the read is audited). Photos show
/// in the page; anything else downloads.
#[utoipa::path(
    get,
    path = "/tickets/{id}/attachments/{attachment_id}",
    tag = "tickets",
    params(("id" = Uuid, Path, description = "The ticket"), ("attachment_id" = Uuid, Path, description = "The attachment")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>))
)]
pub async fn attachment_content(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, attachment)): ApiPath<(TicketId, Uuid)>,
) -> ApiResult<Response> {
    Ok(file_response(state.app.attachment_content(&caller.ctx, id, attachment).await?))
}

/// A kept file as a response: photos shown in the page, anything else downloaded, the real
/// name in the header, never cached.
pub(crate) fn file_response(
    FileContent { content_type, file_name, bytes }: FileContent,
) -> Response {
    let inline = content_type.starts_with("image/");
    let encoded: String = form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!(
        "{}; filename=\"attachment\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// The header's value; one that is not text reaches the use case as an invalid key.
fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{0}"))
}

/// 集中交办.
#[utoipa::path(
    post,
    path = "/tickets/batch-assign",
    tag = "tickets",
    request_body = hotline_app::tickets::BatchAssign,
    responses((status = 200, description = "OK", body = hotline_app::tickets::BatchResult))
)]
pub async fn batch_assign(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<BatchAssign>,
) -> ApiResult<Json<BatchResult>> {
    Ok(Json(state.app.batch_assign(&caller.ctx, body).await?))
}

#[utoipa::path(
    post,
    path = "/callers/lookup",
    tag = "tickets",
    request_body = hotline_app::tickets::callers::CallerLookup,
    responses((status = 200, description = "OK", body = hotline_app::tickets::callers::CallerHistory))
)]
pub async fn caller_history(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CallerLookup>,
) -> ApiResult<Json<CallerHistory>> {
    Ok(Json(state.app.caller_history(&caller.ctx, body).await?))
}

/// How many tickets wait in each of the caller's work lists (menu badges).
#[utoipa::path(
    get,
    path = "/tickets/counts",
    tag = "tickets",
    responses((status = 200, description = "OK", body = std::collections::BTreeMap<String, u64>))
)]
pub async fn ticket_counts(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<std::collections::BTreeMap<&'static str, u64>>> {
    Ok(Json(state.app.ticket_counts(&caller.ctx).await?))
}
