//! Issuing every Confirmation of Entry of a session from the pages: a confirmation page saying
//! how many will be issued and what happens; confirmed, the issuing runs in the background and
//! its page (`bulk_run`) shows the progress, then the report of what was done.

use super::{STAFF, confirm};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre::{self as ops, read};

csrf_form!(BulkCoeForm { confirmed: Option<String> });

/// The page of session `id`'s bulk issue: what will be done (`report` None) or what was done.
async fn bulk_page(state: &SharedState, user: CurrentUser, jar: CookieJar, id: String) -> AppResult<Response> {
    let session = read::stored_session(state, &user, id.clone()).await?.session;
    let plan = ops::plan_session_coes(state, &user.tenant, &id).await?;
    render_user(
        state,
        jar,
        user,
        "centre_coe_bulk.html",
        StatusCode::OK,
        context! { session => session, plan => plan, exam_names => read::exam_names(state).await? },
    )
}

/// `GET /centre/sessions/{id}/coe`: how many Confirmations of Entry would be issued, to whom not
/// and why, and the button that issues them. Changes nothing.
pub(crate) async fn confirm(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    bulk_page(&state, user, jar, id).await
}

/// `POST /centre/sessions/{id}/coe` with `confirmed=yes`: starts issuing every Confirmation of
/// Entry the confirmation page announced and sends the user to the run's page (its progress,
/// then its report); without it, the confirmation page again, nothing changed.
pub(crate) async fn issue(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<BulkCoeForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    if !confirm::confirmed(&f.confirmed) {
        return bulk_page(&state, user, jar, id).await;
    }
    let run = ops::start_coe_issue(&state, &user.tenant, &id, user.user.id.clone()).await?;
    Ok(Redirect::to(&format!("/centre/sessions/{id}/runs/{run}")).into_response())
}
