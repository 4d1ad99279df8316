//! The account's email.

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::Serialize;
use tessera_app::candidate::{self, CandidateEmailChange};
use utoipa::ToSchema;

/// The account's email.
#[derive(Serialize, ToSchema)]
pub struct CandidateEmail {
    /// The new email address.
    pub email: String,
}

/// Changes the candidate's email; the current password is required (403 `wrong_password`).
#[utoipa::path(put, path = "/v1/candidate/email", tag = "candidate", request_body = CandidateEmailChange,
    responses((status = 200, body = CandidateEmail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn change_email(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<CandidateEmailChange>,
) -> AppResult<Json<CandidateEmail>> {
    candidate::candidate_of(&state, &user).await?;
    Ok(Json(CandidateEmail { email: candidate::change_email(&state, &user, &req).await? }))
}
