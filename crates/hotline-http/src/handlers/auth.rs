use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use hotline_app::identity::auth::{LoginRequest, MeView, PasswordChange, TotpCode, TotpEnrollment};
use http::{HeaderValue, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Anonymous, ApiJson, SESSION_COOKIE, SessionCaller};

fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.app.config.security.cookie_secure)
        .path("/")
        .build()
}

/// Signs in with username, password and, when enrolled, a TOTP code. Sets a new session
/// cookie; any session cookie sent along is ended.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    request_body = hotline_app::identity::auth::LoginRequest,
    responses((status = 200, description = "Signed in; the `hotline_session` cookie is set", body = hotline_app::identity::auth::MeView)),
    security(())
)]
pub async fn login(
    State(state): State<AppState>,
    Anonymous(ctx): Anonymous,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let previous = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned());
    let outcome = state.app.login(&ctx, body, previous.as_deref()).await?;
    let jar = jar.add(session_cookie(&state, outcome.session_token));
    Ok((jar, Json(outcome.me)))
}

#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "auth",
    responses((status = 204, description = "Signed out; the cookie is cleared")),
    security(())
)]
pub async fn logout(
    State(state): State<AppState>,
    caller: Option<SessionCaller>,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    if let Some(caller) = caller {
        state.app.logout(&caller.ctx, &caller.session).await?;
    }
    let jar = jar.remove(session_cookie(&state, String::new()));
    Ok((
        StatusCode::NO_CONTENT,
        [("clear-site-data", HeaderValue::from_static("\"cookies\", \"storage\""))],
        jar,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    me: Option<MeView>,
}

/// Who is signed in, if anyone: `{"me": …}` or `{"me": null}` — for the console's first load,
/// which should not log a failed request when nobody is.
#[utoipa::path(
    get,
    path = "/auth/session",
    tag = "auth",
    responses((status = 200, description = "OK", body = SessionView)),
    security(())
)]
pub async fn session(
    State(state): State<AppState>,
    caller: Option<SessionCaller>,
) -> ApiResult<Json<SessionView>> {
    let me = match caller {
        Some(caller) => Some(state.app.me(&caller.session).await?),
        None => None,
    };
    Ok(Json(SessionView { me }))
}

/// The signed-in user, their org, roles and permissions, and what they must do first.
#[utoipa::path(
    get,
    path = "/me",
    tag = "auth",
    responses((status = 200, description = "OK", body = hotline_app::identity::auth::MeView))
)]
pub async fn me(State(state): State<AppState>, caller: SessionCaller) -> ApiResult<Json<MeView>> {
    Ok(Json(state.app.me(&caller.session).await?))
}

#[utoipa::path(
    post,
    path = "/auth/password",
    tag = "auth",
    request_body = hotline_app::identity::auth::PasswordChange,
    responses((status = 200, description = "OK", body = hotline_app::identity::auth::MeView))
)]
pub async fn change_password(
    State(state): State<AppState>,
    caller: SessionCaller,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<Json<MeView>> {
    Ok(Json(state.app.change_password(&caller.ctx, &caller.session, body).await?))
}

#[utoipa::path(
    post,
    path = "/auth/totp/setup",
    tag = "auth",
    responses((status = 200, description = "OK", body = hotline_app::identity::auth::TotpEnrollment))
)]
pub async fn totp_setup(
    State(state): State<AppState>,
    caller: SessionCaller,
) -> ApiResult<Json<TotpEnrollment>> {
    Ok(Json(state.app.totp_setup(&caller.session).await?))
}

#[utoipa::path(
    post,
    path = "/auth/totp/enable",
    tag = "auth",
    request_body = hotline_app::identity::auth::TotpCode,
    responses((status = 200, description = "OK", body = hotline_app::identity::auth::MeView))
)]
pub async fn totp_enable(
    State(state): State<AppState>,
    caller: SessionCaller,
    ApiJson(body): ApiJson<TotpCode>,
) -> ApiResult<Json<MeView>> {
    Ok(Json(state.app.totp_enable(&caller.ctx, &caller.session, body).await?))
}
