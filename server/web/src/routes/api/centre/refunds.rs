//! Refunds: asked of the refund policy, then confirmed, paid out or rejected by staff.

use super::STAFF;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Path, RawBody};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::centre::{self as ops, PayoutInput, RefundInput};

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

/// Moves a refund request on: `confirm` the decision, record the `payout`, or `reject` it. The
/// payout may carry a JSON body `{"method": "bank_transfer"|"cash", "paid_on": "YYYY-MM-DD"}`
/// (default: the method the candidate chose, today); both are kept with the refund.
#[utoipa::path(post, path = "/v1/refunds/{id}/{step}", tag = "centre", params(("id" = String, Path), ("step" = String, Path)),
    request_body(content = Option<PayoutInput>, description = "for `payout`: how and when it was paid"),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn refund_step(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, step)): Path<(String, String)>,
    RawBody(body): RawBody,
) -> AppResult<StatusCode> {
    user.require(STAFF)?;
    let payout: PayoutInput = if body.iter().all(u8::is_ascii_whitespace) {
        PayoutInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            HttpError::bad_request(format!("The request body is not a payout: {e}"))
                .with(StatusCode::BAD_REQUEST, "invalid_json")
        })?
    };
    ops::advance_refund(&state, &user.tenant, &id, &step, payout, user.user.id.clone()).await?;
    Ok(StatusCode::NO_CONTENT)
}
