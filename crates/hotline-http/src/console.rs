//! The staff console: the built Vue app, embedded into the binary (read from `web/dist` at
//! run time in debug builds). History-mode routes fall back to `index.html`; hashed assets are
//! cached for a year, the page itself never.

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::error::ApiError;

#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

/// Only our own scripts; Element Plus sets inline style attributes; QR codes are data: URLs.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

fn asset(path: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let immutable = path.starts_with("assets/");
    let mut response = Response::new(Body::from(file.data.into_owned()));
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    Some(response)
}

/// Everything that is not the API: a file of the console, or the console's page for its own
/// routes. Unknown API paths keep the JSON error.
pub async fn serve(request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/")
        || !matches!(*request.method(), http::Method::GET | http::Method::HEAD)
    {
        return ApiError(hotline_app::Error::NotFound("route")).into_response();
    }
    let relative = path.trim_start_matches('/');
    if !relative.is_empty()
        && let Some(response) = asset(relative)
    {
        return response;
    }
    // A missing file with an extension is a 404, not the app.
    if relative.rsplit('/').next().is_some_and(|last| last.contains('.')) {
        return ApiError(hotline_app::Error::NotFound("file")).into_response();
    }
    asset("index.html").unwrap_or_else(|| {
        (
            StatusCode::NOT_FOUND,
            "The console is not built: run `npm ci && npm run build` in web/, or scripts/demo.",
        )
            .into_response()
    })
}

/// `GET /api/docs`: the API's documentation page (Swagger UI, bundled with the console).
pub async fn api_docs() -> Response {
    asset("api-docs.html")
        .unwrap_or_else(|| ApiError(hotline_app::Error::NotFound("file")).into_response())
}
