//! A centre's candidates.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::centre::read::{self, CandidateView};
use utoipa::IntoParams;

/// Paging.
#[derive(Deserialize, IntoParams)]
pub struct Page {
    /// Rows to skip (default 0).
    offset: Option<i64>,
    /// Rows to return (1 to 500, default 50).
    limit: Option<i64>,
}

/// A page of the centre's candidates, by family name.
#[utoipa::path(get, path = "/v1/candidates", tag = "centre", params(Page), responses((status = 200, body = [CandidateView]), (status = 400, body = ErrorBody)))]
pub async fn candidates(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Query(p): Query<Page>,
) -> AppResult<Json<Vec<CandidateView>>> {
    Ok(Json(read::candidates(&state, &user, p.offset.unwrap_or(0), p.limit.unwrap_or(50)).await?))
}

/// One candidate of the centre.
#[utoipa::path(get, path = "/v1/candidates/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = CandidateView), (status = 404, body = ErrorBody)))]
pub async fn candidate(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<CandidateView>> {
    Ok(Json(read::candidate(&state, &user, id).await?))
}
