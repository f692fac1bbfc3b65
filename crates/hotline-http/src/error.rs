//! How errors leave the API: one JSON envelope with a stable code, a translated message, the
//! request id and field-level detail.
//!
//! Handlers return [`ApiError`]; it only stores the error in the response. The
//! [`render_errors`] middleware, which knows the request's language and id, writes the body and
//! logs internal errors — once, here at the boundary.

use std::sync::Arc;

use axum::Json;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hotline_app::Error;
use hotline_domain::FieldError;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{self, Lang};

/// The body of every error answer of the JSON API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `validation_failed`, `invalid_transition`, `forbidden`.
    pub code: &'static str,
    /// The code in the request's language (`Accept-Language`: zh-CN by default, or en).
    pub message: &'static str,
    /// The `X-Request-Id` of the request, for support.
    pub request_id: Option<String>,
    /// What is wrong with each field, for validation errors.
    pub fields: Vec<FieldErrorBody>,
    /// With `account_locked`: when sign-in is possible again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<DateTime<Utc>>,
    /// With `not_found`: what was not found (`ticket`, `org`, `route`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<&'static str>,
    /// With `too_many_requests` and `index_rebuilding`: seconds to wait, as in the
    /// `Retry-After` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// With `index_rebuilding`: how far the rebuild has come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<RebuildCount>,
}

/// Tickets indexed so far of all there are.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct RebuildCount {
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    /// The field's path in the request, e.g. `caller_phone` or `units[1]`.
    pub field: String,
    /// Stable code, e.g. `required`, `too_long`, `invalid_format`.
    pub code: &'static str,
    pub message: String,
    /// The bound for length and range rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// An application error on its way out.
#[derive(Debug)]
pub struct ApiError(pub Error);

/// Errors the HTTP layer raises itself, before any use case runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    InvalidJson,
    UnsupportedMediaType,
    PayloadTooLarge,
    MethodNotAllowed,
    Timeout,
    ForbiddenOrigin,
}

impl Rejection {
    const fn code(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Timeout => "timeout",
            Self::ForbiddenOrigin => "forbidden_origin",
        }
    }

    const fn status(self) -> StatusCode {
        match self {
            Self::InvalidJson => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
            Self::ForbiddenOrigin => StatusCode::FORBIDDEN,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        Failure {
            status: self.status(),
            code: self.code(),
            fields: Vec::new(),
            extra: Extra::default(),
            internal: None,
        }
        .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl<E: Into<Error>> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::AlreadyExists(_) | Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Unauthenticated
        | Error::BadSignature
        | Error::SessionExpired
        | Error::InvalidCredentials
        | Error::TotpRequired
        | Error::InvalidTotp => StatusCode::UNAUTHORIZED,
        Error::AccountLocked { .. } => StatusCode::LOCKED,
        Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::AccountDisabled
        | Error::PasswordChangeRequired
        | Error::TotpEnrollmentRequired
        | Error::Forbidden => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Unavailable | Error::IndexRebuilding { .. } => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What [`render_errors`] needs to write the body.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    code: &'static str,
    fields: Vec<FieldError>,
    extra: Extra,
    internal: Option<anyhow::Error>,
}

/// What some codes say beyond the code.
#[derive(Debug, Default)]
struct Extra {
    locked_until: Option<DateTime<Utc>>,
    resource: Option<&'static str>,
    retry_after: Option<u64>,
    progress: Option<RebuildCount>,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(Arc::new(std::sync::Mutex::new(Some(self))));
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let code = self.0.code();
        let fields = self.0.fields().to_vec();
        let extra = match &self.0 {
            Error::AccountLocked { until } => {
                Extra { locked_until: Some(*until), ..Extra::default() }
            }
            Error::NotFound(resource) => Extra { resource: Some(resource), ..Extra::default() },
            Error::TooManyRequests { retry_after_secs } => {
                Extra { retry_after: Some(*retry_after_secs), ..Extra::default() }
            }
            Error::IndexRebuilding { done, total } => Extra {
                retry_after: Some(5),
                progress: Some(RebuildCount { done: *done, total: *total }),
                ..Extra::default()
            },
            _ => Extra::default(),
        };
        let internal = match self.0 {
            Error::Internal(e) => Some(e),
            _ => None,
        };
        Failure { status, code, fields, extra, internal }.into_response()
    }
}

type FailureSlot = Arc<std::sync::Mutex<Option<Failure>>>;

/// Writes the error envelope for failures raised by handlers, extractors and the layers below.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let request_id =
        request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut response = next.run(request).await;
    let failure = response
        .extensions_mut()
        .remove::<FailureSlot>()
        .and_then(|slot| slot.lock().ok().and_then(|mut f| f.take()));
    let failure = match failure {
        Some(f) => f,
        // Layers without our envelope (method routing, timeouts) answer with an empty body.
        None => {
            let rejection = match response.status() {
                StatusCode::METHOD_NOT_ALLOWED => Rejection::MethodNotAllowed,
                StatusCode::REQUEST_TIMEOUT => Rejection::Timeout,
                StatusCode::PAYLOAD_TOO_LARGE => Rejection::PayloadTooLarge,
                _ => return response,
            };
            if response.headers().contains_key(header::CONTENT_TYPE) {
                return response;
            }
            Failure {
                status: rejection.status(),
                code: rejection.code(),
                fields: Vec::new(),
                extra: Extra::default(),
                internal: None,
            }
        }
    };
    if let Some(err) = &failure.internal {
        tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), error = ?err, "internal error");
    }
    let fields = failure
        .fields
        .iter()
        .map(|f| FieldErrorBody {
            field: f.field.clone(),
            code: f.issue.code(),
            message: i18n::field_message(f, lang),
            limit: f.limit,
        })
        .collect();
    let error = ErrorBody {
        code: failure.code,
        message: i18n::error_message(failure.code, lang),
        request_id,
        fields,
        locked_until: failure.extra.locked_until,
        resource: failure.extra.resource,
        retry_after: failure.extra.retry_after,
        progress: failure.extra.progress,
    };
    let headers = response.headers().clone();
    let mut rendered = (failure.status, Json(ErrorEnvelope { error })).into_response();
    for (name, value) in &headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name, value.clone());
        }
    }
    if let Some(secs) = failure.extra.retry_after {
        rendered.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if failure.status == StatusCode::UNAUTHORIZED {
        rendered.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    rendered
}
