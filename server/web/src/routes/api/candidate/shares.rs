//! The candidate's shares: listed, made, withdrawn.

use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_app::candidate::{self, CandidateShare};
use utoipa::ToSchema;

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
