//! When the centre cannot run a session as announced (R-CENTRE-FAULT): staff mark the session and
//! record a candidate's choice, a move to another open session of the same exam (the only
//! exception to R-NO-TRANSFER) or a full refund.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::Serialize;
use tessera_app::centre::{self as ops, FaultChoiceInput, FaultChoiceOutcome, FaultInput};

/// How many candidates were told.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionAtFault {
    /// The candidates emailed that they choose another session or a full refund.
    pub emailed: usize,
}

/// Marks a session as not runnable as announced (R-CENTRE-FAULT), with the reason; each of its
/// candidates is emailed and then chooses another open session of the same exam or a full refund.
#[utoipa::path(post, path = "/v1/sessions/{id}/fault", tag = "centre", request_body = FaultInput, params(("id" = String, Path)),
    responses((status = 200, body = SessionAtFault), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_session_at_fault(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<FaultInput>,
) -> AppResult<Json<SessionAtFault>> {
    let emailed = ops::mark_session_at_fault(&state, &user, &id, input).await?;
    Ok(Json(SessionAtFault { emailed }))
}

/// Records a candidate's choice after the centre's fault (R-CENTRE-FAULT): `move` to another
/// open session of the same exam at the centre (payments and documents stay with the entry, which
/// gets a new candidate number; a new Confirmation of Entry is needed), or `refund` (a request
/// for the whole fee, to confirm and pay). Any move of an entry whose session is not at fault is
/// refused with 409 `no_transfer` (R-NO-TRANSFER).
#[utoipa::path(post, path = "/v1/entries/{id}/fault-choice", tag = "centre", request_body = FaultChoiceInput, params(("id" = String, Path)),
    responses((status = 200, body = FaultChoiceOutcome), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fault_choice(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<FaultChoiceInput>,
) -> AppResult<Json<FaultChoiceOutcome>> {
    user.require(STAFF)?;
    Ok(Json(ops::choose_after_fault(&state, &user.tenant, &id, input, user.user.id.clone(), None).await?))
}
