//! Health: what `tessera doctor` finds on the running server, in the admin's language.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::health::{self, Level};

/// `GET /admin/health`: the doctor's findings, problems first.
pub(crate) async fn health(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    let found = health::doctor_page(&state, &user).await?;
    let locale = user.tenant.locale;
    let catalogues = state.templates.catalogues();
    let errors = found.iter().filter(|f| f.level == Level::Error).count();
    let warnings = found.iter().filter(|f| f.level == Level::Warning).count();
    let rows: Vec<_> = found
        .iter()
        .map(|f| {
            context! { level => f.level.code(), area => f.area_name(catalogues, locale), text => f.text(catalogues, locale) }
        })
        .collect();
    let ctx = context! { rows => rows, errors => errors, warnings => warnings };
    render(&state, jar, &MaybeUser(Some(user)), locale, "admin_health.html", StatusCode::OK, ctx)
}
