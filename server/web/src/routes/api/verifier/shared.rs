//! The list of results shared with the organisation.

use super::VerifierCaller;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::verifier::{self, SharedList};
use utoipa::IntoParams;

/// Paging of the shared list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<i64>,
    /// Rows per page (1 to 200, default 50).
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// The results shared with the caller's organisation, newest first, with the number shared since
/// the caller's previous sign-in (R-SHARED-LIST).
#[utoipa::path(get, path = "/v1/verifier/shared", tag = "verifier", params(ListParams),
    responses((status = 200, body = SharedList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn shared(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(p): Query<ListParams>,
) -> AppResult<Json<SharedList>> {
    Ok(Json(verifier::shared_list(&state, &v, p.page.unwrap_or(1), p.per_page.unwrap_or(50)).await?))
}
