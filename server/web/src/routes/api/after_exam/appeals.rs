//! Appeals (R-APPEAL), the centre's appeal window, and the candidates given special consideration
//! who still failed (R-SPECIAL-CONSIDERATION).

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::after_exam::{
    self as ops, AppealDecisionInput, AppealInput, AppealRecord, AppealTerms, ConsiderationStillFailed,
};
use tessera_domain::Role;

/// Lodges an appeal for the candidate (the centre's manager): against a completed Stage 2
/// enquiry's outcome (`enquiry`) or an upheld malpractice decision (`malpractice`), within the
/// centre's window of days from that decision, one at a time (R-APPEAL).
#[utoipa::path(post, path = "/v1/entries/{id}/appeals", tag = "results", request_body = AppealInput, params(("id" = String, Path)),
    responses((status = 201, body = AppealRecord), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn lodge_appeal(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<AppealInput>,
) -> AppResult<(StatusCode, Json<AppealRecord>)> {
    user.require(&[Role::CentreManager])?;
    let appeal = ops::lodge_appeal(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok((StatusCode::CREATED, Json(appeal.into())))
}

/// Records the board's decision on a lodged appeal: `upheld` with the result after the appeal (a
/// new result version, higher, lower or unchanged; the fee refunded when the grade changed), or
/// `dismissed` (the result stands).
#[utoipa::path(post, path = "/v1/appeals/{id}/decision", tag = "results", request_body = AppealDecisionInput, params(("id" = String, Path)),
    responses((status = 200, body = AppealRecord), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_appeal(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<AppealDecisionInput>,
) -> AppResult<Json<AppealRecord>> {
    user.require(STAFF)?;
    Ok(Json(ops::decide_appeal(&state, &user.tenant, &id, input, user.user.id.clone()).await?.into()))
}

/// The centre's appeal window: days from the decision appealed against (30 until it sets its own).
#[utoipa::path(get, path = "/v1/appeal-terms", tag = "results", responses((status = 200, body = AppealTerms)))]
pub async fn appeal_terms(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<AppealTerms>> {
    Ok(Json(ops::appeal_terms(&state, &user).await?))
}

/// Sets the centre's appeal window, 1 to 365 days (the centre's manager).
#[utoipa::path(put, path = "/v1/appeal-terms", tag = "results", request_body = AppealTerms,
    responses((status = 200, body = AppealTerms), (status = 400, body = ErrorBody)))]
pub async fn set_appeal_terms(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(terms): Json<AppealTerms>,
) -> AppResult<Json<AppealTerms>> {
    Ok(Json(ops::set_appeal_terms(&state, &user, terms).await?))
}

/// Candidates given special consideration (an upheld case) whose current result is still a fail,
/// graded below the exam's pass: the centre follows them up (R-SPECIAL-CONSIDERATION).
#[utoipa::path(get, path = "/v1/results/special-consideration", tag = "results",
    responses((status = 200, body = Vec<ConsiderationStillFailed>)))]
pub async fn consideration_still_failed(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<ConsiderationStillFailed>>> {
    user.require(STAFF)?;
    Ok(Json(ops::consideration_still_failed(&state, &user.tenant).await?))
}
