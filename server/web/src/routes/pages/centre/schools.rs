//! Schools (R-SCHOOL-ENTRY), the centre's page: the schools' link requests, approved or refused
//! by the centre manager.

use super::STAFF;
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
use tessera_app::schools;
use tessera_domain::{ErrorCode, Role};

/// `GET /centre/schools`.
pub(crate) async fn show(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(STAFF)?;
    let links = schools::links_of_centre(&state, &user.tenant).await?;
    render_user(&state, jar, user, "centre_schools.html", StatusCode::OK, context! { links => links })
}

/// `POST /centre/schools/{id}/{decision}` (`approve` or `refuse`; centre managers).
pub(crate) async fn decide(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((id, decision)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::CentreManager])?;
    let approve = match decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(HttpError::at(ErrorCode::NotFound, "decision")),
    };
    schools::decide_link(&state, &user.tenant, &id, approve, user.user.id.clone()).await?;
    Ok(Redirect::to("/centre/schools").into_response())
}
