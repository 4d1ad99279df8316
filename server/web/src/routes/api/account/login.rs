//! Signing in and out through the API (cookie session; API tokens come with the verifier API).

use crate::auth::login::{authenticate, tenant_for_login};
use crate::auth::{begin_session, end_session};
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The organisation code, e.g. `pl078`.
    tenant: String,
    /// Email, or ID number for candidates.
    login: String,
    /// The password.
    password: String,
}

/// A new session.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// The signed-in user.
    user: tessera_app::users::Me,
    /// Send this in `X-CSRF-Token` with every write.
    csrf_token: String,
}

/// Signs in and sets the session cookie.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    Json(req): Json<LoginRequest>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &req.tenant.to_ascii_lowercase()).await?;
    let actor = authenticate(&state, &tenant, &req.login, &req.password, addr.ip()).await?;
    let jar = begin_session(&state, tenant.id, actor.user.id.clone(), crate::auth::clear_session_cookie(jar)).await?;
    let csrf = jar.get(crate::auth::CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    let me = tessera_app::users::Me::of(&actor)?;
    Ok((jar, Json(LoginResponse { user: me, csrf_token: csrf })).into_response())
}

/// Ends the session.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn logout(State(state): State<SharedState>, ApiUser(user): ApiUser, jar: CookieJar) -> AppResult<Response> {
    let jar = end_session(&state, &user, jar).await?;
    Ok((StatusCode::NO_CONTENT, jar).into_response())
}
