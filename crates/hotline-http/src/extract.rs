//! Extractors that reject with our error envelope instead of axum's plain-text rejections.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{
    ConnectInfo, FromRequest, FromRequestParts, OptionalFromRequestParts, Request,
};
use axum_extra::extract::CookieJar;
use hotline_app::identity::auth::Session;
use hotline_app::{Ctx, Error};
use hotline_domain::{FieldError, FieldIssue};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, Rejection};

pub const SESSION_COOKIE: &str = "hotline_session";

/// Why a body or query failed to deserialize, as a field error.
fn field_error(path: &str, message: &str) -> FieldError {
    let named = |msg: &str| msg.split('`').nth(1).map(str::to_owned);
    let join = |parent: &str, child: Option<String>| match (parent, child) {
        ("." | "", Some(c)) => c,
        (p, Some(c)) => format!("{p}.{c}"),
        (p, None) => p.to_owned(),
    };
    if message.starts_with("unknown field") {
        // The path already ends at the unknown field.
        let field = if path.is_empty() || path == "." {
            named(message).unwrap_or_default()
        } else {
            path.to_owned()
        };
        FieldError::new(field, FieldIssue::UnknownField)
    } else if message.starts_with("missing field") {
        FieldError::new(join(path, named(message)), FieldIssue::Required)
    } else if message.starts_with("invalid type") {
        FieldError::new(join(path, None), FieldIssue::WrongType).with_detail(message.to_owned())
    } else {
        FieldError::new(join(path, None), FieldIssue::InvalidValue)
    }
}

/// A JSON body: `application/json` only, an object at the top (serde would also take a struct
/// as an array of its fields), unknown fields refused, errors per field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse as _;
        let json =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(Rejection::UnsupportedMediaType.into_response());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
                Rejection::PayloadTooLarge.into_response()
            } else {
                Rejection::InvalidJson.into_response()
            }
        })?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|b| *b != b'{') {
            return Err(ApiError(Error::Validation(
                FieldError::new("", FieldIssue::WrongType)
                    .with_detail("the body must be a JSON object")
                    .into(),
            ))
            .into_response());
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(de) {
            Ok(value) => Ok(Self(value)),
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                match inner.classify() {
                    serde_json::error::Category::Data => Err(ApiError(Error::Validation(
                        field_error(&path, &inner.to_string()).into(),
                    ))
                    .into_response()),
                    _ => Err(Rejection::InvalidJson.into_response()),
                }
            }
        }
    }
}

/// Query parameters; empty values count as absent, so console forms can send every filter.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = form_urlencoded::parse(query.as_bytes()).filter(|(_, v)| !v.is_empty());
        let cleaned = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(cleaned.as_bytes()));
        serde_path_to_error::deserialize(de).map(Self).map_err(|err| {
            let path = err.path().to_string();
            let message = err.into_inner().to_string();
            ApiError(Error::Validation(field_error(&path, &message).into()))
        })
    }
}

/// Path parameters; a malformed id is simply not found.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <axum::extract::Path<T> as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| ApiError(Error::NotFound("resource")))
    }
}

/// Where the request came from: the peer address, or the client named by `X-Forwarded-For`
/// when the peer is a trusted proxy.
fn client_ip(parts: &Parts, state: &AppState) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())?;
    if !state.app.config.http.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next_back())
        .and_then(|v| v.trim().parse().ok())
        .or(Some(peer))
}

/// The request's audit context without a signed-in user (login, health).
#[derive(Debug)]
pub struct Anonymous(pub Ctx);

impl FromRequestParts<AppState> for Anonymous {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(Ctx {
            principal: None,
            source_ip: client_ip(parts, state).map(|ip| ip.to_string()),
            request_id: parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }))
    }
}

/// A signed-in caller whose session may still be restricted (must change password or enrol a
/// second factor). Only the endpoints that lift restrictions take this.
#[derive(Debug)]
pub struct SessionCaller {
    pub ctx: Ctx,
    pub session: Session,
}

impl FromRequestParts<AppState> for SessionCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Anonymous(mut ctx) = Anonymous::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        let token =
            jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).ok_or(Error::Unauthenticated)?;
        let session = state.app.resolve_session(&ctx, &token).await?;
        ctx.principal = Some(session.principal.clone());
        Ok(Self { ctx, session })
    }
}

impl OptionalFromRequestParts<AppState> for SessionCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(caller) => Ok(Some(caller)),
            Err(ApiError(Error::Unauthenticated | Error::SessionExpired)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A fully authenticated caller: a session without restrictions, or an API token.
#[derive(Debug)]
pub struct Caller {
    pub ctx: Ctx,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_owned());
        if let Some(token) = bearer {
            let Anonymous(mut ctx) = Anonymous::from_request_parts(parts, state).await?;
            ctx.principal = Some(state.app.resolve_api_token(&token).await?);
            return Ok(Self { ctx });
        }
        let SessionCaller { ctx, session } =
            <SessionCaller as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        if let Some(restriction) = session.restriction {
            return Err(ApiError(restriction.error()));
        }
        Ok(Self { ctx })
    }
}
