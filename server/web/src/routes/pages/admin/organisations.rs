//! Organisations' sign-up requests, which the installation admin approves or rejects (R-ORG-SIGNUP).

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
use tessera_app::organisations;
use tessera_domain::{Role, verification};

/// `GET /admin/organisations`: sign-up requests, pending first.
pub(crate) async fn admin_list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    // The promise (R-ORG-SIGNUP): an answer within five working days, counted in the
    // installation's time zone.
    let zone = user.tenant.timezone;
    let today = state.clock.now().with_timezone(&zone).date_naive();
    let rows: Vec<_> = organisations::signups(&state, &user)
        .await?
        .into_iter()
        .map(|(t, s)| {
            let submitted = s.submitted_at.and_utc().with_timezone(&zone).date_naive();
            let due = verification::org_signup_due(submitted);
            let left = verification::working_days_left(today, due);
            let promise = context! { due => due.to_string(), left => left, late => -left };
            context! { slug => t.slug, name => t.name, country => t.country.to_string(), status => t.status, s => s, promise => promise }
        })
        .collect();
    render_user(&state, jar, user, "admin_organisations.html", StatusCode::OK, context! { rows => rows })
}

/// `POST /admin/organisations/{slug}/{approve|reject}`.
pub(crate) async fn admin_decide(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((slug, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(HttpError::not_found()),
    };
    organisations::decide_signup(&state, &user, slug, approve).await?;
    Ok(Redirect::to("/admin/organisations").into_response())
}
