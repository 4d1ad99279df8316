//! Each role's home page. A page for another role is a 404, like anything else one may not see.

use super::render;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre::read;
use tessera_domain::Role;

/// `GET /home`: to the signed-in user's own home.
pub(super) async fn home(user: CurrentUser) -> Response {
    Redirect::to(user.role.home_path()).into_response()
}

/// `GET /admin`: the installation admin's overview of tenants.
pub(super) async fn admin(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let all = tessera_app::tenants::list(&state, &user).await?;
    let locale = user.tenant.locale;
    render(&state, jar, &MaybeUser(Some(user)), locale, "home_admin.html", StatusCode::OK, context! { tenants => all })
}

/// `GET /centre`: the centre's sessions and counts.
pub(super) async fn centre(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(&[Role::CentreManager, Role::CentreStaff])?;
    let (sessions, counts) = read::overview(&state, &user).await?;
    // R-COE-MISSING: the same list as `GET /api/v1/coe/missing`.
    let missing = tessera_app::centre::coe_missing(&state, &user.tenant).await?;
    let exam_names = super::centre::exam_names(&state).await?;
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "home_centre.html",
        StatusCode::OK,
        context! { sessions => sessions, counts => counts, coe_missing => missing, exam_names => exam_names },
    )
}

/// `GET /verifier`: how many results are shared with the organisation.
pub(super) async fn verifier(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary, Role::VerifierAdmin])?;
    let shared = read::shared_with(&state, user.tenant_id()).await?;
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "home_verifier.html",
        StatusCode::OK,
        context! { shared => shared },
    )
}
