//! The candidate's account and its email.

use super::{shown_in_form, signed_in_candidate, with_retry_after};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::candidate::Candidate;
use tessera_app::candidate::{self, CandidateEmailChange};

#[derive(Deserialize)]
pub(crate) struct AccountQuery {
    done: Option<String>,
}

async fn account_page(
    state: &SharedState,
    jar: CookieJar,
    user: CurrentUser,
    cand: &Candidate,
    error: Option<minijinja::Value>,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let settings = candidate::account_settings(state, &user, cand).await?;
    let ctx = context! {
        login => user.user.login.clone(),
        slug => user.tenant.slug.clone(),
        current_email => settings.email,
        marketing => settings.marketing_opt_in,
        error => error,
        notice => notice,
    };
    render_user(state, jar, user, "candidate_account.html", status, ctx)
}

/// `GET /candidate/account`.
pub(crate) async fn account(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<AccountQuery>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let notice =
        (q.done.as_deref() == Some("email")).then(|| state.templates.text(user.tenant.locale, "account.email_changed"));
    account_page(&state, jar, user, &cand, None, notice, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct EmailForm {
    csrf: String,
    #[serde(flatten)]
    change: CandidateEmailChange,
}

impl CsrfProtected for EmailForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /candidate/account/email`: changes the email when the current password is right.
pub(crate) async fn change_email(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    match candidate::change_email(&state, &user, &form.change).await {
        Ok(_) => Ok(Redirect::to("/candidate/account?done=email").into_response()),
        Err(e) if shown_in_form(&e) => {
            let res = account_page(&state, jar, user, &cand, Some(e.for_page()), None, e.status).await?;
            Ok(with_retry_after(res, &e))
        }
        Err(e) => Err(e.into()),
    }
}
