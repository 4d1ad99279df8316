//! Organisations' requests for API access, which the installation admin approves or refuses
//! (R-API).

use crate::auth::{CsrfForm, CurrentUser};
use crate::error::{AppResult, HttpError};
use crate::extract::Path;
use crate::routes::pages::{CsrfOnly, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::verifier;

/// `GET /admin/api-access`: requests, pending first.
pub(crate) async fn list(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    let rows = verifier::api_access_requests(&state, &user).await?;
    render_user(&state, jar, user, "admin_api_access.html", StatusCode::OK, context! { rows => rows })
}

/// `POST /admin/api-access/{code}/{approve|reject}`: the primary user is emailed either way.
pub(crate) async fn decide(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((code, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(HttpError::not_found()),
    };
    verifier::decide_api_access(&state, &user, &code, approve).await?;
    Ok(Redirect::to("/admin/api-access").into_response())
}
