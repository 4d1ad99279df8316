//! Voiding an entry for an attempt to break the entry rules (R-HU-RULE-BREAKING, R-ENTRY-VOID).

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::centre::{self as ops, VoidInput};

/// Voids an entry for an attempt to break the entry rules (R-HU-RULE-BREAKING): it gets no
/// result (an imported one is withdrawn, its credential revoked), no refund, frees its place, and
/// the candidate is emailed (R-ENTRY-VOID).
#[utoipa::path(post, path = "/v1/entries/{id}/void", tag = "centre", request_body = VoidInput, params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn void_entry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<VoidInput>,
) -> AppResult<StatusCode> {
    ops::void_entry(&state, &user, &id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}
