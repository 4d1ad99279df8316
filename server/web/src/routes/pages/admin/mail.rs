//! The mail queue: emails the mail server refused, and trying one again.

use super::Done;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::routes::pages::{CsrfOnly, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::mail_queue;

/// `GET /admin/mail`: emails that failed for good or wait to be tried again, every tenant.
pub(crate) async fn list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<Done>,
) -> AppResult<Response> {
    let emails = mail_queue::troubled(&state, &user).await?;
    let done = q.done.filter(|d| d == "retried");
    let ctx = context! { emails => emails, done => done };
    render_user(&state, jar, user, "admin_mail.html", StatusCode::OK, ctx)
}

/// `POST /admin/mail/{tenant}/{id}/retry`: sends the email again now.
pub(crate) async fn retry(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((tenant, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    mail_queue::retry(&state, &user, &tenant, &id).await?;
    Ok(Redirect::to("/admin/mail?done=retried").into_response())
}
