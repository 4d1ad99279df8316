//! The candidate's results and their Statements of Results.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::response::Response;
use tessera_app::candidate::{self, CandidateExamView};

/// The signed-in candidate's exams at the centre, newest first: the current result of each
/// released one (R-RELEASE, R-RESULT-VERSIONS), components hidden for X, Z, Pending and
/// Withheld (R-RESULT-CODES).
#[utoipa::path(get, path = "/v1/candidate/results", tag = "candidate",
    responses((status = 200, body = [CandidateExamView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn results(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<CandidateExamView>>> {
    let cand = candidate::candidate_of(&state, &user).await?;
    Ok(Json(candidate::exams(&state, &user.tenant, &cand).await?))
}

/// The Statement of Results (PDF) of one of the candidate's released results.
#[utoipa::path(get, path = "/v1/candidate/results/{entry_id}/statement", tag = "candidate",
    params(("entry_id" = String, Path, description = "The entry's id")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn statement(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(entry_id): Path<String>,
) -> AppResult<Response> {
    let cand = candidate::candidate_of(&state, &user).await?;
    let (name, pdf) = candidate::statement(&state, &user.tenant, &cand, entry_id).await?;
    Ok(crate::routes::pages::pdf_response(&name, pdf))
}

/// When the candidate confirmed reading the notices.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NoticesAcknowledged {
    /// The first confirmation (UTC, RFC 3339): confirming again keeps it.
    acknowledged_at: String,
}

/// The candidate confirms reading the Notice to candidates and that the speaking test may be
/// recorded, both sent with the Confirmation of Entry of the entry (R-NOTICES). 409
/// `notices_not_sent` before the CoE is issued; another candidate's entry is a 404.
#[utoipa::path(post, path = "/v1/candidate/entries/{entry_id}/notices", tag = "candidate",
    params(("entry_id" = String, Path, description = "The entry's id")),
    responses((status = 200, body = NoticesAcknowledged), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge_notices(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(entry_id): Path<String>,
) -> AppResult<Json<NoticesAcknowledged>> {
    let cand = candidate::candidate_of(&state, &user).await?;
    let acknowledged_at = candidate::acknowledge_notices(&state, &user.tenant, &cand, &user.user.id, entry_id).await?;
    Ok(Json(NoticesAcknowledged { acknowledged_at }))
}
