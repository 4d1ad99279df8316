//! `GET /api/v1/entries/{id}/credential`.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;

/// The signed credential of the entry's current released result (R-CREDENTIAL), issued on first
/// request: to hand to a candidate without an account, or to check what was issued. 404 before
/// the release, and for a pending or withheld result.
#[utoipa::path(get, path = "/v1/entries/{id}/credential", tag = "centre", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub async fn entry_credential(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    user.require(STAFF)?;
    Ok(Json(tessera_app::credentials::issue::for_centre(&state, &user.tenant, &id).await?.document))
}
