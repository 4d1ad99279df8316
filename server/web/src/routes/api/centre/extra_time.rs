//! The specialist's report behind an extra-time request, as staff checked it (R-PL-EXTRA-TIME).

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::centre as ops;

/// Records what staff checked on the specialist's report behind an extra-time request
/// (R-PL-EXTRA-TIME); the answer carries the eligibility policy's verdict among the warnings.
#[utoipa::path(post, path = "/v1/entries/{id}/extra-time-report", tag = "centre", request_body = ops::ExtraTimeReportInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn record_extra_time_report(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<ops::ExtraTimeReportInput>,
) -> AppResult<Json<ops::EntryStatus>> {
    user.require(STAFF)?;
    Ok(Json(ops::record_extra_time_report(&state, &user.tenant, &id, input, user.user.id.clone()).await?))
}
