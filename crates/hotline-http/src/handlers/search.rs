//! Full-text search over tickets, and the index behind it (admins).

use axum::Json;
use axum::extract::State;
use hotline_app::paging::PageOf;
use hotline_app::search::dictionary::{NewSearchWord, SearchWord};
use hotline_app::search::index::IndexStatus;
use hotline_app::search::tickets::TicketHit;
use hotline_app::tickets::TicketQuery;
use http::StatusCode;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// Tickets whose number, title, content, address or replies match `q` (tantivy's syntax:
/// `AND`, `OR`, `-word`, `"phrase"`, `title:word`; Chinese needs no spaces), within the
/// caller's data scope and the work lists' filters, with the matches marked. `sort` also
/// takes `relevance` (the default). 503 `index_rebuilding`, with progress, while the index
/// is being built.
#[utoipa::path(
    get,
    path = "/search/tickets",
    tag = "search",
    params(TicketQuery),
    responses((status = 200, description = "OK", body = PageOf<TicketHit>))
)]
pub async fn search_tickets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<TicketQuery>,
) -> ApiResult<Json<PageOf<TicketHit>>> {
    Ok(Json(state.app.search_tickets(&caller.ctx, query).await?))
}

/// The index: documents, lag behind the database, the dictionary's size, the last rebuild.
#[utoipa::path(
    get,
    path = "/search/index",
    tag = "search",
    responses((status = 200, description = "OK", body = IndexStatus))
)]
pub async fn index_status(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<IndexStatus>> {
    Ok(Json(state.app.index_status(&caller.ctx).await?))
}

/// Rebuilds the index in the background (the current one answers until the new one is ready).
#[utoipa::path(
    post,
    path = "/search/index/rebuild",
    tag = "search",
    responses((status = 202, description = "Started (or already running)", body = IndexStatus))
)]
pub async fn rebuild_index(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<IndexStatus>)> {
    Ok((StatusCode::ACCEPTED, Json(state.app.request_rebuild(&caller.ctx).await?)))
}

/// Words added to the search dictionary.
#[utoipa::path(
    get,
    path = "/search/words",
    tag = "search",
    responses((status = 200, description = "OK", body = Vec<SearchWord>))
)]
pub async fn list_words(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<SearchWord>>> {
    Ok(Json(state.app.search_words(&caller.ctx).await?))
}

/// Adds a word; it is used once the index is rebuilt.
#[utoipa::path(
    post,
    path = "/search/words",
    tag = "search",
    request_body = NewSearchWord,
    responses((status = 201, description = "Added", body = SearchWord))
)]
pub async fn add_word(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewSearchWord>,
) -> ApiResult<(StatusCode, Json<SearchWord>)> {
    Ok((StatusCode::CREATED, Json(state.app.add_search_word(&caller.ctx, body).await?)))
}

#[utoipa::path(
    delete,
    path = "/search/words/{word}",
    tag = "search",
    params(("word" = String, Path, description = "The word")),
    responses((status = 204, description = "Removed"))
)]
pub async fn remove_word(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(word): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.app.remove_search_word(&caller.ctx, &word).await?;
    Ok(StatusCode::NO_CONTENT)
}
