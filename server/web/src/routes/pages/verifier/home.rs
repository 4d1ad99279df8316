//! The verifier's home page.

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre::read;
use tessera_domain::Role;

/// `GET /verifier`: how many results are shared with the organisation.
pub(crate) async fn verifier(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary, Role::VerifierAdmin])?;
    let shared = read::shared_with(&state, user.tenant_id()).await?;
    render_user(&state, jar, user, "home_verifier.html", StatusCode::OK, context! { shared => shared })
}
