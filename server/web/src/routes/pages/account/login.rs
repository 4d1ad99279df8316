//! Sign-in and sign-out pages.

use crate::auth::{
    CsrfForm, CsrfProtected, CurrentUser, MaybeUser, begin_session, end_session,
    login::{authenticate, tenant_for_login},
};
use crate::error::{AppResult, HttpError};
use crate::extract::{Path, Query};
use crate::routes::pages::{chosen_locale, local_path, render};
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use std::net::SocketAddr;
use tessera_domain::ErrorCode;

#[derive(Deserialize)]
pub(crate) struct Next {
    #[serde(default)]
    next: Option<String>,
}

/// `GET /t/{tenant}/login[?next=PATH]`: in the language the visitor chose on the start page, else
/// the organisation's.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: MaybeUser,
    jar: CookieJar,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<Next>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    let next = local_path(q.next.as_deref());
    if let Some(u) = &user.0
        && u.tenant_id() == tenant.id
    {
        return Ok(Redirect::to(next.as_deref().unwrap_or(u.role.home_path())).into_response());
    }
    render(
        &state,
        jar,
        &MaybeUser(None),
        chosen_locale(&headers).unwrap_or(tenant.locale),
        "login.html",
        StatusCode::OK,
        context! { slug => tenant.slug, tenant_name => tenant.name, kind => tenant.kind.as_str(), next => next },
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    csrf: String,
    login: String,
    password: String,
    /// The page to show after signing in (a path on this site; anything else is ignored).
    #[serde(default)]
    next: Option<String>,
}

impl CsrfProtected for LoginForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /t/{tenant}/login`: on success a new session and the page asked for before signing in,
/// else the role's home page; on failure the form again with the reason and the status that says
/// it (401, 423 locked, 429 throttled).
pub(crate) async fn submit(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    headers: HeaderMap,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let tenant = tenant_for_login(&state, &slug).await?;
    match authenticate(&state, &tenant, &form.login, &form.password, addr.ip()).await {
        Ok(actor) => {
            let jar = begin_session(&state, tenant.id, actor.user.id, crate::auth::clear_session_cookie(jar)).await?;
            let to = local_path(form.next.as_deref()).unwrap_or_else(|| actor.role.home_path().to_owned());
            Ok((jar, Redirect::to(&to)).into_response())
        }
        Err(e)
            if matches!(
                e.code(),
                ErrorCode::InvalidCredentials | ErrorCode::AccountLocked | ErrorCode::PasswordTooLong
            ) =>
        {
            let mut res = render(
                &state,
                jar,
                &MaybeUser(None),
                chosen_locale(&headers).unwrap_or(tenant.locale),
                "login.html",
                e.status,
                context! { slug => tenant.slug, tenant_name => tenant.name, error => e.for_page(), login => form.login,
                next => local_path(form.next.as_deref()) },
            )?;
            res.headers_mut().insert("x-error-code", axum::http::HeaderValue::from_static(e.code().as_str()));
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    csrf: String,
}

impl CsrfProtected for LogoutForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /logout`: ends the session server-side, not just the cookie.
pub(crate) async fn logout(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<LogoutForm>,
) -> AppResult<Response> {
    let slug = user.tenant.slug.clone();
    let jar = end_session(&state, &user, jar)
        .await
        .map_err(|e| if e.code() == ErrorCode::NotFound { HttpError::unauthenticated() } else { e })?;
    Ok((jar, Redirect::to(&format!("/t/{slug}/login"))).into_response())
}
