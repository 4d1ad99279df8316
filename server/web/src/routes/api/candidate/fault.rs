//! The candidate's choice when the centre cannot run their session as announced (R-CENTRE-FAULT).

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::candidate;
use tessera_app::centre::{self as ops, FaultChoiceInput, FaultChoiceOutcome};

/// The signed-in candidate chooses, for their own entry in a session at fault, another open
/// session of the same exam (`move`, with `session_id`) or a full refund (`refund`).
#[utoipa::path(post, path = "/v1/candidate/entries/{entry_id}/fault-choice", tag = "candidate", request_body = FaultChoiceInput,
    params(("entry_id" = String, Path, description = "The entry's id")),
    responses((status = 200, body = FaultChoiceOutcome), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fault_choice(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(entry_id): Path<String>,
    Json(input): Json<FaultChoiceInput>,
) -> AppResult<Json<FaultChoiceOutcome>> {
    let cand = candidate::candidate_of(&state, &user).await?;
    let outcome =
        ops::choose_after_fault(&state, &user.tenant, &entry_id, input, user.user.id.clone(), Some(cand.id)).await?;
    Ok(Json(outcome))
}
