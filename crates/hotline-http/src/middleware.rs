//! Cross-cutting request handling that is not a handler's business.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use http::{HeaderValue, Method, header};

use crate::error::Rejection;

/// Client-supplied request ids are kept only when short and plain, since they end up in logs
/// and the audit trail.
pub async fn sanitize_request_id(mut request: Request, next: Next) -> Response {
    let ok = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).is_none_or(|v| {
        !v.is_empty()
            && v.len() <= 64
            && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    if !ok {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

/// What the transport promises, from `security.cookie_secure`: secure cookies mean the console
/// is served over HTTPS only.
#[derive(Clone, Copy, Debug)]
pub struct Transport {
    pub https_only: bool,
}

/// Refuses state-changing requests sent by another site's page. SameSite=Strict cookies already
/// stop most of them; this catches browsers and proxies that do not honour it. The origin must
/// be this host over a web scheme (HTTPS only when cookies are secure).
pub async fn check_origin(
    State(transport): State<Transport>,
    request: Request,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        let headers = request.headers();
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let allowed = match origin.split_once("://") {
                Some(("https", rest)) => rest.eq_ignore_ascii_case(host),
                Some(("http", rest)) => !transport.https_only && rest.eq_ignore_ascii_case(host),
                _ => false,
            };
            if !allowed {
                return Rejection::ForbiddenOrigin.into_response();
            }
        }
    }
    next.run(request).await
}

/// Security headers for API responses: nothing here is to be cached, framed or sniffed; over
/// HTTPS, browsers are told to stay on it.
pub async fn security_headers(
    State(transport): State<Transport>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if transport.https_only {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
