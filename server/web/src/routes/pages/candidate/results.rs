//! The candidate's exams and results, and their Statements of Results.

use super::{pdf_response, signed_in_candidate};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::candidate;

/// `GET /candidate`: every exam the candidate took here, with the released results.
pub(crate) async fn home(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let exams = candidate::exams(&state, &user.tenant, &cand).await?;
    render_user(
        &state,
        jar,
        user,
        "candidate_home.html",
        StatusCode::OK,
        context! { exams => exams, candidate_name => format!("{} {}", cand.first_name, cand.family_name) },
    )
}

/// `GET /candidate/results/{entry}/statement.pdf`: the Statement of Results of the candidate's
/// own released result; any other entry is a 404.
pub(crate) async fn statement(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(entry_id): Path<String>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let (name, pdf) = candidate::statement(&state, &user.tenant, &cand, entry_id).await?;
    Ok(pdf_response(&name, pdf))
}

/// `GET /candidate/results/{entry}/certifying-statement.pdf`: the candidate's own Certifying
/// Statement (R-NAME-SPELLING), in the centre's language; none is a 404.
pub(crate) async fn certifying_statement(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(entry_id): Path<String>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let (name, pdf) = candidate::certifying_statement(&state, &user.tenant, &cand, entry_id).await?;
    Ok(pdf_response(&name, pdf))
}

/// `GET /candidate/results/{entry}/credential.json`: the signed credential of the candidate's own
/// released result (R-CREDENTIAL), to give to anyone who wants to check it.
pub(crate) async fn credential(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(entry_id): Path<String>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let (name, json) = candidate::credential(&state, &user.tenant, &cand, entry_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vc+ld+json".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        json,
    )
        .into_response())
}

/// `POST /candidate/entries/{entry}/notices`: the candidate confirms reading the notices sent
/// with the Confirmation of Entry (R-NOTICES); back to their exams.
pub(crate) async fn acknowledge_notices(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(entry_id): Path<String>,
    CsrfForm(_): CsrfForm<super::shares::PlainForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    candidate::acknowledge_notices(&state, &user.tenant, &cand, &user.user.id, entry_id.clone()).await?;
    Ok(Redirect::to(&format!("/candidate#notices-{entry_id}")).into_response())
}
