//! Sharing results with approved organisations, and withdrawing shares.

use super::signed_in_candidate;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;
use tessera_app::candidate;
use tessera_app::candidate::Candidate;

#[derive(Deserialize)]
pub(crate) struct SharesQuery {
    q: Option<String>,
    entry: Option<String>,
    done: Option<String>,
}

async fn shares_page(
    state: &SharedState,
    jar: CookieJar,
    user: CurrentUser,
    cand: &Candidate,
    q: SharesQuery,
    error: Option<minijinja::Value>,
    status: StatusCode,
) -> AppResult<Response> {
    let exams = candidate::exams(state, &user.tenant, cand).await?;
    let shareable: Vec<_> = exams.into_iter().filter(|e| e.result.as_ref().is_some_and(|r| r.shareable)).collect();
    let verifiers = candidate::directory(state, q.q.as_deref().unwrap_or("")).await?;
    let shares = candidate::shares_of(state, &user.tenant, cand).await?;
    let locale = user.tenant.locale;
    let notice = match q.done.as_deref() {
        Some("shared") => Some(state.templates.text(locale, "shares.created")),
        Some("withdrawn") => Some(state.templates.text(locale, "shares.withdrawn")),
        _ => None,
    };
    let ctx: Value = context! {
        shareable => shareable, verifiers => verifiers, shares => shares, q => q.q, entry => q.entry,
        error => error, notice => notice,
    };
    render(state, jar, &MaybeUser(Some(user)), locale, "candidate_shares.html", status, ctx)
}

/// `GET /candidate/shares?q=&entry=`: the directory of approved organisations (searched by
/// name), the form to share results, and every share with who viewed or downloaded it.
pub(crate) async fn shares(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(q): Query<SharesQuery>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    shares_page(&state, jar, user, &cand, q, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct ShareForm {
    csrf: String,
    verifier: Option<String>,
    /// One `entry_<id>=on` per ticked result.
    #[serde(flatten)]
    ticked: HashMap<String, String>,
}

impl CsrfProtected for ShareForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /candidate/shares`: shares the ticked results with the chosen organisation.
pub(crate) async fn share(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<ShareForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let entries: Vec<String> = form.ticked.keys().filter_map(|k| k.strip_prefix("entry_")).map(str::to_owned).collect();
    let verifier = form.verifier.unwrap_or_default();
    match candidate::share(&state, &user, &cand, &verifier, &entries).await {
        Ok(_) => Ok(Redirect::to("/candidate/shares?done=shared").into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let q = SharesQuery { q: None, entry: None, done: None };
            shares_page(&state, jar, user, &cand, q, Some(e.for_page()), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct PlainForm {
    csrf: String,
}

impl CsrfProtected for PlainForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /candidate/shares/{id}/withdraw`: the organisation loses access at once.
pub(crate) async fn withdraw(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(share_id): Path<String>,
    CsrfForm(_): CsrfForm<PlainForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    candidate::withdraw(&state, &user, &cand, &share_id).await?;
    Ok(Redirect::to("/candidate/shares?done=withdrawn").into_response())
}
