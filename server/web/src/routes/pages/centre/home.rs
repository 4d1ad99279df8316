//! The centre's home page, and the centre's appeal window set from it.

use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::after_exam::AppealTerms;
use tessera_app::centre::read;
use tessera_domain::{ErrorCode, Role};

/// `GET /centre`: the centre's sessions and counts.
pub(crate) async fn centre(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    home_page(&state, user, jar, StatusCode::OK, context! {}).await
}

async fn home_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    user.require(&[Role::CentreManager, Role::CentreStaff])?;
    let (sessions, counts) = read::overview(state, &user).await?;
    let upcoming = tessera_app::centre::lists::upcoming_counts(state, &user).await?;
    // R-COE-MISSING: the same list as `GET /api/v1/coe/missing`, by session.
    let missing = coe_missing_by_session(tessera_app::centre::coe_missing(state, &user.tenant).await?);
    // R-RESULTS-WINDOW: the same list as `GET /api/v1/results/missing`.
    let results_missing = tessera_app::centre::results_missing(state, &user.tenant).await?;
    // R-PAYMENT-TITLE: the same list as `GET /api/v1/payments/flagged`.
    let flagged = tessera_app::centre::flagged_payments(state, &user.tenant).await?;
    // R-CONSENT-SCAN: the same list as `GET /api/v1/consent/originals-missing`.
    let originals_missing = tessera_app::centre::consent_originals_missing(state, &user.tenant).await?;
    // R-SPECIAL-CONSIDERATION: the same list as `GET /api/v1/results/special-consideration`.
    let still_failed = tessera_app::after_exam::consideration_still_failed(state, &user.tenant).await?;
    let appeal_terms = tessera_app::after_exam::appeal_terms(state, &user).await?;
    let exam_names = tessera_app::centre::read::exam_names(state).await?;
    render_user(
        state,
        jar,
        user,
        "home_centre.html",
        status,
        context! {
            sessions => sessions, counts => counts, upcoming => upcoming, coe_missing => missing, results_missing => results_missing,
            exam_names => exam_names, flagged_payments => flagged,
            originals_missing => originals_missing,
            consideration_still_failed => still_failed, appeal_terms => appeal_terms,
            ..extra
        },
    )
}

/// The candidates of one session still without a Confirmation of Entry.
#[derive(serde::Serialize)]
struct CoeMissingSession {
    session: String,
    exam: String,
    written_date: chrono::NaiveDate,
    entries: Vec<tessera_app::centre::CoeMissing>,
}

/// R-COE-MISSING's list grouped by session, in the list's order.
fn coe_missing_by_session(list: Vec<tessera_app::centre::CoeMissing>) -> Vec<CoeMissingSession> {
    let mut out: Vec<CoeMissingSession> = Vec::new();
    for m in list {
        match out.iter_mut().find(|g| g.session == m.session) {
            Some(g) => g.entries.push(m),
            None => out.push(CoeMissingSession {
                session: m.session.clone(),
                exam: m.exam.clone(),
                written_date: m.written_date,
                entries: vec![m],
            }),
        }
    }
    out
}

csrf_form!(AppealTermsForm { window_days: String });

/// `POST /centre/appeal-terms` (`window_days`): the centre's appeal window, set by its manager
/// (R-APPEAL).
pub(crate) async fn appeal_terms(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<AppealTermsForm>,
) -> AppResult<Response> {
    user.require(&[Role::CentreManager])?;
    let done = match form.window_days.trim().parse::<i32>() {
        Ok(window_days) => tessera_app::after_exam::set_appeal_terms(&state, &user, AppealTerms { window_days }).await,
        Err(_) => Err(AppError::at(ErrorCode::InvalidNumber, "window_days")
            .arg("value", tessera_domain::error::bounded(&form.window_days))),
    };
    match done {
        Ok(_) => Ok(Redirect::to("/centre#appeal-terms").into_response()),
        Err(e) if e.is_refusal() => home_page(&state, user, jar, e.status, context! { error => e.for_page() }).await,
        Err(e) => Err(e.into()),
    }
}
