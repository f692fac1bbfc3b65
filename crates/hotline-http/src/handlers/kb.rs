//! The knowledge base (知识库).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use hotline_app::kb::ImportResult;
use hotline_app::kb::{
    ArticleChanges, ArticleQuery, ArticleSummary, ArticleView, FeedbackInput, FeedbackView,
    NewArticle, ReviewInput, VersionView,
};
use hotline_app::paging::{ListFormat, PageOf};
use hotline_domain::{FieldError, FieldIssue};
use http::{HeaderMap, StatusCode};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::handlers::tickets::file_response;
use crate::{AppState, xlsx};

/// Articles agents are offered today (with `q`, those that match), or with `status` the
/// working copies the caller edits or reviews.
#[utoipa::path(
    get,
    path = "/kb/articles",
    tag = "kb",
    params(ArticleQuery),
    responses((status = 200, description = "OK", body = PageOf<ArticleSummary>))
)]
pub async fn list_articles(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ArticleQuery>,
) -> ApiResult<Json<PageOf<ArticleSummary>>> {
    Ok(Json(state.app.list_articles(&caller.ctx, query).await?))
}

/// A new article, as a draft of its owning unit.
#[utoipa::path(
    post,
    path = "/kb/articles",
    tag = "kb",
    request_body = NewArticle,
    responses((status = 201, description = "Created", body = ArticleView))
)]
pub async fn create_article(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewArticle>,
) -> ApiResult<(StatusCode, Json<ArticleView>)> {
    Ok((StatusCode::CREATED, Json(state.app.create_article(&caller.ctx, body).await?)))
}

/// An article: the published version for agents (counted as a hit), the working copy for
/// its editors and reviewers.
#[utoipa::path(
    get,
    path = "/kb/articles/{id}",
    tag = "kb",
    params(("id" = Uuid, Path, description = "The article")),
    responses((status = 200, description = "OK", body = ArticleView))
)]
pub async fn get_article(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ArticleView>> {
    Ok(Json(state.app.get_article(&caller.ctx, id).await?))
}

/// Saves a new working copy (a new version); a published article goes back to review while
/// agents keep reading its published version.
#[utoipa::path(
    patch,
    path = "/kb/articles/{id}",
    tag = "kb",
    params(("id" = Uuid, Path, description = "The article")),
    request_body = ArticleChanges,
    responses((status = 200, description = "OK", body = ArticleView))
)]
pub async fn update_article(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ArticleChanges>,
) -> ApiResult<Json<ArticleView>> {
    Ok(Json(state.app.update_article(&caller.ctx, id, body).await?))
}

/// Submit for review (owner), publish or reject (the center), withdraw.
#[utoipa::path(
    post,
    path = "/kb/articles/{id}/review",
    tag = "kb",
    params(("id" = Uuid, Path, description = "The article")),
    request_body = ReviewInput,
    responses((status = 200, description = "OK", body = ArticleView))
)]
pub async fn review_article(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReviewInput>,
) -> ApiResult<Json<ArticleView>> {
    Ok(Json(state.app.review_article(&caller.ctx, id, body).await?))
}

/// Every version with its diff from the one before (editors and reviewers).
#[utoipa::path(
    get,
    path = "/kb/articles/{id}/versions",
    tag = "kb",
    params(("id" = Uuid, Path, description = "The article")),
    responses((status = 200, description = "OK", body = Vec<VersionView>))
)]
pub async fn article_versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<VersionView>>> {
    Ok(Json(state.app.article_versions(&caller.ctx, id).await?))
}

/// The article's feedback (its owner and reviewers).
#[utoipa::path(
    get,
    path = "/kb/articles/{id}/feedback",
    tag = "kb",
    params(("id" = Uuid, Path, description = "The article")),
    responses((status = 200, description = "OK", body = Vec<FeedbackView>))
)]
pub async fn list_feedback(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<FeedbackView>>> {
    Ok(Json(state.app.list_article_feedback(&caller.ctx, id).await?))
}

/// Helpful, or out of date (with a comment its owner reads).
#[utoipa::path(
    post,
    path = "/kb/articles/{id}/feedback",
    tag = "kb",
    params(("id" = Uuid, Path, description = "The article")),
    request_body = FeedbackInput,
    responses((status = 204, description = "Kept"))
)]
pub async fn give_feedback(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FeedbackInput>,
) -> ApiResult<StatusCode> {
    state.app.article_feedback(&caller.ctx, id, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A file of an article.
#[utoipa::path(
    get,
    path = "/kb/articles/{id}/attachments/{attachment_id}",
    tag = "kb",
    params(("id" = Uuid, Path, description = "The article"), ("attachment_id" = Uuid, Path, description = "The file")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>))
)]
pub async fn article_attachment(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, attachment)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    Ok(file_response(state.app.article_attachment(&caller.ctx, id, attachment).await?))
}

/// Every article's working copy as a spreadsheet (admins and reviewers); imports back.
#[utoipa::path(
    get,
    path = "/kb/articles/export",
    tag = "kb",
    responses((status = 200, description = "The articles", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>))
)]
pub async fn export_articles(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let rows = state.app.export_articles(&caller.ctx).await?;
    xlsx::articles(&rows, xlsx::Export::of(ListFormat::Xlsx, &headers, &state.app))
}

/// Imports articles from a spreadsheet of the export's columns, as drafts: all rows or none,
/// every bad row named (`rows[3].title`).
#[utoipa::path(
    post,
    path = "/kb/articles/import",
    tag = "kb",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "An .xlsx workbook"),
    responses((status = 200, description = "Imported", body = ImportResult))
)]
pub async fn import_articles(
    State(state): State<AppState>,
    caller: Caller,
    body: Body,
) -> ApiResult<Json<ImportResult>> {
    let limit = 20 * 1024 * 1024;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| FieldError::new("file", FieldIssue::TooLong).with_limit(limit))?;
    let rows = xlsx::read_articles(&bytes)?;
    Ok(Json(state.app.import_articles(&caller.ctx, rows).await?))
}
