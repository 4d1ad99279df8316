//! Refunds: asked of the refund policy, then confirmed, paid out or rejected by staff.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::centre::{self as ops, RefundInput};

/// Asks the refund policy about a request; staff confirm its decision before paying.
#[utoipa::path(post, path = "/v1/entries/{id}/refunds", tag = "centre", request_body = RefundInput, params(("id" = String, Path)),
    responses((status = 201), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_refund(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<RefundInput>,
) -> AppResult<(StatusCode, Json<ops::RefundView>)> {
    user.require(STAFF)?;
    Ok((StatusCode::CREATED, Json(ops::request_refund(&state, &user.tenant, &id, input, user.user.id.clone()).await?)))
}

/// Moves a refund request on: `confirm` the decision, record the `payout`, or `reject` it.
#[utoipa::path(post, path = "/v1/refunds/{id}/{step}", tag = "centre", params(("id" = String, Path), ("step" = String, Path)),
    responses((status = 204), (status = 409, body = ErrorBody)))]
pub async fn refund_step(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, step)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    user.require(STAFF)?;
    ops::advance_refund(&state, &user.tenant, &id, &step, user.user.id.clone()).await?;
    Ok(StatusCode::NO_CONTENT)
}
