//! The Candidate Results Service pages: activation, results, the Statement of Results, sharing
//! and the account. Forms post back and redirect (no JavaScript needed); errors show in the form.

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::SharedState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_app::candidate;
use tessera_app::candidate::Candidate;
use tessera_domain::ErrorCode;

pub(super) mod account;
pub(super) mod fault;
pub(super) mod results;
pub(super) mod shares;
pub(super) mod signup;

/// Errors a person can fix in the form they sent; anything else becomes an error page.
fn shown_in_form(e: &tessera_app::AppError) -> bool {
    e.is_refusal() && e.code() != ErrorCode::CsrfFailed
}

fn with_retry_after(mut res: Response, e: &tessera_app::AppError) -> Response {
    if let Some(secs) = e.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if let Ok(v) = HeaderValue::from_str(e.code().as_str()) {
        res.headers_mut().insert("x-error-code", v);
    }
    res
}

async fn signed_in_candidate(state: &SharedState, user: &CurrentUser) -> AppResult<Candidate> {
    Ok(candidate::candidate_of(state, user).await?)
}

/// A PDF download that no cache keeps.
pub(crate) fn pdf_response(filename: &str, pdf: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, "application/pdf")], pdf).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
