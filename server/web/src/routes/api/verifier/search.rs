//! Search of the results shared with the organisation.

use super::VerifierCaller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::verifier::{self, SearchParams, SearchResults};

/// Searches the results shared with the caller's organisation (R-SEARCH-FIELDS).
#[utoipa::path(get, path = "/v1/verifier/search", tag = "verifier", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn search(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let q = params.to_query()?;
    Ok(Json(verifier::search(&state, v.tenant, q).await?))
}
