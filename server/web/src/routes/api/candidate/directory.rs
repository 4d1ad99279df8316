//! The directory of approved verifier organisations.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::candidate::{self, DirectoryEntry};
use utoipa::IntoParams;

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
