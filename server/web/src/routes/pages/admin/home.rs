//! The installation admin's home page.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_domain::Role;

/// `GET /admin`: the installation admin's overview of tenants.
pub(crate) async fn admin(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let all = tessera_app::tenants::list(&state, &user).await?;
    let locale = user.tenant.locale;
    render(&state, jar, &MaybeUser(Some(user)), locale, "home_admin.html", StatusCode::OK, context! { tenants => all })
}
