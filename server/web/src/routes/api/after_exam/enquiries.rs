//! Results enquiries and their outcomes.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::after_exam::{self as ops, EnquiryInput, EnquiryOutcomeInput};
use tessera_app::records::EnquiryRecord;

/// Opens a results enquiry, Stage 1 or Stage 2, inside the policy's window (R-ENQUIRY).
#[utoipa::path(post, path = "/v1/entries/{id}/enquiries", tag = "results", request_body = EnquiryInput, params(("id" = String, Path)),
    responses((status = 201), (status = 409, body = ErrorBody)))]
pub async fn open_enquiry(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<EnquiryInput>,
) -> AppResult<(StatusCode, Json<EnquiryRecord>)> {
    user.require(STAFF)?;
    let e = ops::open_enquiry(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok((StatusCode::CREATED, Json(e.into())))
}

/// Completes an enquiry with its outcome: a new result version; the fee refunded when the grade changes.
#[utoipa::path(post, path = "/v1/enquiries/{id}/outcome", tag = "results", request_body = EnquiryOutcomeInput, params(("id" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn enquiry_outcome(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<EnquiryOutcomeInput>,
) -> AppResult<Json<EnquiryRecord>> {
    user.require(STAFF)?;
    Ok(Json(ops::complete_enquiry(&state, &user.tenant, &id, input, user.user.id.clone()).await?.into()))
}
