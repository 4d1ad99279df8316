//! A centre's sessions, candidates, entries and results, read through the API by its staff.

use super::ApiUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::centre::read::{self, CandidateView, EntryView, ResultView, SessionView};
use utoipa::IntoParams;

/// The centre's sessions, newest first.
#[utoipa::path(get, path = "/v1/sessions", tag = "centre", responses((status = 200, body = [SessionView]), (status = 404, body = ErrorBody)))]
pub async fn sessions(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<SessionView>>> {
    Ok(Json(read::sessions(&state, &user).await?))
}

/// One session of the centre.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = SessionView), (status = 404, body = ErrorBody)))]
pub async fn session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<SessionView>> {
    Ok(Json(read::session(&state, &user, id).await?))
}

/// The entries of one session, by candidate number.
#[utoipa::path(get, path = "/v1/sessions/{id}/entries", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = [EntryView]), (status = 404, body = ErrorBody)))]
pub async fn session_entries(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<EntryView>>> {
    Ok(Json(read::session_entries(&state, &user, id).await?))
}

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

/// One entry of the centre.
#[utoipa::path(get, path = "/v1/entries/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = EntryView), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<EntryView>> {
    Ok(Json(read::entry(&state, &user, id).await?))
}

/// One result version of the centre.
#[utoipa::path(get, path = "/v1/results/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = ResultView), (status = 404, body = ErrorBody)))]
pub async fn result(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ResultView>> {
    Ok(Json(read::result(&state, &user, id).await?))
}
