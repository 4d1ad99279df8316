//! The organisation's API clients (R-API), for its primary user only: create (the token is shown
//! once, on the page that answers), list, rotate (a new token, shown once), revoke.

use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::routes::pages::{CsrfOnly, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::api_clients::{self, ApiClientToken};

/// The page: the clients, and `ctx` (a token issued just now, an error, a notice).
async fn page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    let clients = api_clients::list(state, &user).await?;
    let access = tessera_app::verifier::api_access(state, &user).await?;
    render_user(
        state,
        jar,
        user,
        "verifier_api_clients.html",
        status,
        context! { clients => clients, access => access, ..ctx },
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    revoked: Option<String>,
    #[serde(default)]
    renewed: Option<String>,
    #[serde(default)]
    requested: Option<String>,
}

/// `GET /verifier/api-clients` (primary user; a 404 for anyone else).
pub(crate) async fn list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    page(
        &state,
        user,
        jar,
        StatusCode::OK,
        context! { revoked => n.revoked.is_some(), renewed => n.renewed.is_some(), requested => n.requested.is_some() },
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct NewClient {
    csrf: String,
    #[serde(default)]
    name: String,
}

impl CsrfProtected for NewClient {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The page answering a create or a rotation: the only time the token is shown.
async fn issued(state: &SharedState, user: CurrentUser, jar: CookieJar, t: ApiClientToken) -> AppResult<Response> {
    page(state, user, jar, StatusCode::OK, context! { issued => t }).await
}

/// `POST /verifier/api-clients`: creates a client and shows its token once.
pub(crate) async fn create(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<NewClient>,
) -> AppResult<Response> {
    match api_clients::create(&state, &user, &form.name).await {
        Ok(t) => issued(&state, user, jar, t).await,
        Err(e) if e.is_refusal() => {
            page(&state, user, jar, e.status, context! { error => e.for_page(), name => form.name }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /verifier/api-clients/{id}/rotate`: a new token, shown once; the old one stops working.
pub(crate) async fn rotate(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let t = api_clients::rotate(&state, &user, &id).await?;
    issued(&state, user, jar, t).await
}

/// `POST /verifier/api-clients/{id}/revoke`: the client's token stops working for good.
pub(crate) async fn revoke(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    api_clients::revoke(&state, &user, &id).await?;
    Ok(Redirect::to("/verifier/api-clients?revoked=1").into_response())
}

#[derive(Deserialize)]
pub(crate) struct AccessForm {
    csrf: String,
    #[serde(default)]
    purpose: String,
}

impl CsrfProtected for AccessForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verifier/api-access`: asks the installation admin for API access (R-API).
pub(crate) async fn request_access(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<AccessForm>,
) -> AppResult<Response> {
    match tessera_app::verifier::request_api_access(&state, &user, &form.purpose).await {
        Ok(_) => Ok(Redirect::to("/verifier/api-clients?requested=1").into_response()),
        Err(e) if e.is_refusal() => {
            page(&state, user, jar, e.status, context! { error => e.for_page(), purpose => form.purpose }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /verifier/api-clients/{id}/renew`: the same token works for another period (R-API).
pub(crate) async fn renew(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    api_clients::renew(&state, &user, &id).await?;
    Ok(Redirect::to("/verifier/api-clients?renewed=1").into_response())
}
