//! The centre's home page.

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre::read;
use tessera_domain::Role;

/// `GET /centre`: the centre's sessions and counts.
pub(crate) async fn centre(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(&[Role::CentreManager, Role::CentreStaff])?;
    let (sessions, counts) = read::overview(&state, &user).await?;
    // R-COE-MISSING: the same list as `GET /api/v1/coe/missing`.
    let missing = tessera_app::centre::coe_missing(&state, &user.tenant).await?;
    // R-RESULTS-WINDOW: the same list as `GET /api/v1/results/missing`.
    let results_missing = tessera_app::centre::results_missing(&state, &user.tenant).await?;
    // R-PAYMENT-TITLE: the same list as `GET /api/v1/payments/flagged`.
    let flagged = tessera_app::centre::flagged_payments(&state, &user.tenant).await?;
    // R-CONSENT-SCAN: the same list as `GET /api/v1/consent/originals-missing`.
    let originals_missing = tessera_app::centre::consent_originals_missing(&state, &user.tenant).await?;
    let exam_names = tessera_app::centre::read::exam_names(&state).await?;
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "home_centre.html",
        StatusCode::OK,
        context! {
            sessions => sessions, counts => counts, coe_missing => missing, results_missing => results_missing,
            exam_names => exam_names, flagged_payments => flagged,
            originals_missing => originals_missing,
        },
    )
}
