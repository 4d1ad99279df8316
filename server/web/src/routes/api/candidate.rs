//! The Candidate Results Service through the API: activation, results, the Statement of
//! Results, the directory of approved organisations, shares, and the account's email.

use super::ApiUser;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Path, Query};
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tessera_app::candidate::{
    self, CandidateEmailChange, CandidateExamView, CandidateShare, CandidateSignup, DirectoryEntry,
};
use utoipa::{IntoParams, ToSchema};

/// An activation request: the centre's code and the sign-up details.
#[derive(Deserialize, ToSchema)]
pub struct CandidateSignupRequest {
    /// The centre's code, e.g. `pl078`.
    pub tenant: String,
    /// The sign-up details.
    #[serde(flatten)]
    pub details: CandidateSignup,
}

/// An activated account.
#[derive(Serialize, ToSchema)]
pub struct CandidateSignupResponse {
    /// The centre's code.
    pub tenant: String,
    /// The login: the ID number.
    pub login: String,
    /// The account's email.
    pub email: String,
}

/// Activates a candidate's account with the ID number and secret number from the Confirmation
/// of Entry (R-CANDIDATE-SIGNUP). Wrong credentials and an account that exists already both get
/// 400 `signup_refused`; too many failures per ID number or per address get 429.
#[utoipa::path(post, path = "/v1/candidate/signup", tag = "candidate", request_body = CandidateSignupRequest,
    responses((status = 201, body = CandidateSignupResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn signup(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<CandidateSignupRequest>,
) -> AppResult<Response> {
    let tenant = candidate::centre_for_signup(&state, &req.tenant.trim().to_ascii_lowercase()).await?;
    let user = candidate::signup(&state, &tenant, &req.details, addr.ip()).await?;
    let body =
        CandidateSignupResponse { tenant: tenant.slug, login: user.login, email: user.email.unwrap_or_default() };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The signed-in candidate's exams at the centre, newest first: the current result of each
/// released one (R-RELEASE, R-RESULT-VERSIONS), components hidden for X, Z, Pending and
/// Withheld (R-RESULT-CODES).
#[utoipa::path(get, path = "/v1/candidate/results", tag = "candidate",
    responses((status = 200, body = [CandidateExamView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn results(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<CandidateExamView>>> {
    let cand = candidate::candidate_of(&state, &user).await?;
    Ok(Json(candidate::exams(&state, &user.tenant, &cand).await?))
}

/// The Statement of Results (PDF) of one of the candidate's released results.
#[utoipa::path(get, path = "/v1/candidate/results/{entry_id}/statement", tag = "candidate",
    params(("entry_id" = String, Path, description = "The entry's id")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn statement(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(entry_id): Path<String>,
) -> AppResult<Response> {
    let cand = candidate::candidate_of(&state, &user).await?;
    let (name, pdf) = candidate::statement(&state, &user.tenant, &cand, entry_id).await?;
    Ok(crate::routes::pages::pdf_response(&name, pdf))
}

/// A directory search.
#[derive(Deserialize, IntoParams)]
pub struct CandidateDirectoryQuery {
    /// Part of the organisation's name (empty: every approved organisation, at most 100).
    q: Option<String>,
}

/// Approved verifier organisations a candidate may share with.
#[utoipa::path(get, path = "/v1/candidate/verifiers", tag = "candidate", params(CandidateDirectoryQuery),
    responses((status = 200, body = [DirectoryEntry]), (status = 404, body = ErrorBody)))]
pub async fn verifiers(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Query(q): Query<CandidateDirectoryQuery>,
) -> AppResult<Json<Vec<DirectoryEntry>>> {
    candidate::candidate_of(&state, &user).await?;
    Ok(Json(candidate::directory(&state, q.q.as_deref().unwrap_or("")).await?))
}

/// The candidate's shares, newest first, with who viewed or downloaded each and when.
#[utoipa::path(get, path = "/v1/candidate/shares", tag = "candidate",
    responses((status = 200, body = [CandidateShare]), (status = 404, body = ErrorBody)))]
pub async fn shares(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<CandidateShare>>> {
    let cand = candidate::candidate_of(&state, &user).await?;
    Ok(Json(candidate::shares_of(&state, &user.tenant, &cand).await?))
}

/// Results to share with one organisation.
#[derive(Deserialize, ToSchema)]
pub struct CandidateShareRequest {
    /// The organisation's id, from the directory.
    pub verifier: String,
    /// The entries whose current results to share (at most 50).
    pub entry_ids: Vec<String>,
}

/// Shares released results with an approved organisation; all or nothing. An entry that is not
/// the candidate's (or not released) is a 404; a Pending or Withheld result is a 400.
#[utoipa::path(post, path = "/v1/candidate/shares", tag = "candidate", request_body = CandidateShareRequest,
    responses((status = 201, body = [CandidateShare]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn share(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<CandidateShareRequest>,
) -> AppResult<Response> {
    let cand = candidate::candidate_of(&state, &user).await?;
    let ids = candidate::share(&state, &user, &cand, &req.verifier, &req.entry_ids).await?;
    let all = candidate::shares_of(&state, &user.tenant, &cand).await?;
    let made: Vec<CandidateShare> = all.into_iter().filter(|s| ids.contains(&s.id)).collect();
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// Withdraws a share: the organisation loses access at once. Withdrawing twice keeps the first
/// instant.
#[utoipa::path(post, path = "/v1/candidate/shares/{id}/withdraw", tag = "candidate",
    params(("id" = String, Path, description = "The share's id")),
    responses((status = 200, body = CandidateShare), (status = 404, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<CandidateShare>> {
    let cand = candidate::candidate_of(&state, &user).await?;
    candidate::withdraw(&state, &user, &cand, &id).await?;
    let all = candidate::shares_of(&state, &user.tenant, &cand).await?;
    all.into_iter().find(|s| s.id == id).map(Json).ok_or_else(HttpError::not_found)
}

/// The account's email.
#[derive(Serialize, ToSchema)]
pub struct CandidateEmail {
    /// The new email address.
    pub email: String,
}

/// Changes the candidate's email; the current password is required (403 `wrong_password`).
#[utoipa::path(put, path = "/v1/candidate/email", tag = "candidate", request_body = CandidateEmailChange,
    responses((status = 200, body = CandidateEmail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn change_email(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<CandidateEmailChange>,
) -> AppResult<Json<CandidateEmail>> {
    candidate::candidate_of(&state, &user).await?;
    Ok(Json(CandidateEmail { email: candidate::change_email(&state, &user, &req).await? }))
}
