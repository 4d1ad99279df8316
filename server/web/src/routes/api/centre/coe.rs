//! Confirmations of Entry: one entry's, a session's at once, and the ones still missing.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tessera_app::centre as ops;

/// Issues (or re-issues, for lost credentials) the Confirmation of Entry: a new secret number,
/// the PDF (returned), and an email with the PDF to the candidate.
#[utoipa::path(post, path = "/v1/entries/{id}/coe", tag = "centre", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 409, body = ErrorBody)))]
pub async fn issue_coe(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let coe = ops::issue_coe(&state, &user.tenant, &id, user.user.id.clone()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::HeaderName::from_static("x-candidate-id-number"), coe.id_number),
        ],
        coe.pdf,
    )
        .into_response())
}

/// Issues the Confirmation of Entry of every confirmed entry of the session that has none yet
/// (each emailed with its PDF, as one by one); entries without an email address are listed for
/// issuing one by one. The secret numbers are hashed on every core the hasher may use.
#[utoipa::path(post, path = "/v1/sessions/{id}/coe", tag = "centre", params(("id" = String, Path)),
    responses((status = 200, body = ops::BulkCoe), (status = 404, body = ErrorBody)))]
pub async fn issue_session_coes(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ops::BulkCoe>> {
    user.require(STAFF)?;
    Ok(Json(ops::issue_session_coes(&state, &user.tenant, &id, user.user.id.clone()).await?))
}

/// Confirmed entries of upcoming sessions without a Confirmation of Entry, from the day the
/// deadlines policy gives (R-COE-MISSING: 10 days before the first component by default): the
/// centre contacts them.
#[utoipa::path(get, path = "/v1/coe/missing", tag = "centre", responses((status = 200, body = Vec<ops::CoeMissing>)))]
pub async fn coe_missing(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<ops::CoeMissing>>> {
    user.require(STAFF)?;
    Ok(Json(ops::coe_missing(&state, &user.tenant).await?))
}
