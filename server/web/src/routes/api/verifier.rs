//! The Results Verification Service API (R-API): search, the shared list, detail, Statement of
//! Results lookup and downloads, for the organisation's users and API clients.

use super::ApiUser;
use crate::error::{AppResult, ErrorBody};
use crate::state::SharedState;
use crate::verifier::{self, SearchParams, SearchResults, VERIFIER_ROLES};
use axum::Json;
use axum::extract::{Query, State};

/// Searches the results shared with the caller's organisation (R-SEARCH-FIELDS).
#[utoipa::path(get, path = "/v1/verifier/search", tag = "verifier", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn search(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    user.require(VERIFIER_ROLES)?;
    let q = params.to_query()?;
    Ok(Json(verifier::search(&state, user.tenant_id(), q).await?))
}
