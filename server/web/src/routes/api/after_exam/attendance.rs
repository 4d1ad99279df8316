//! Attendance at a component, with the ID check.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::after_exam::{self as ops, AttendanceInput, AttendanceOutcome};

/// Records attendance at a component with the ID check (R-PL-ACCEPTED-ID, R-PHOTO-CONSENT).
#[utoipa::path(post, path = "/v1/entries/{id}/attendance", tag = "exam day", request_body = AttendanceInput, params(("id" = String, Path)),
    responses((status = 200, body = AttendanceOutcome), (status = 409, body = ErrorBody)))]
pub async fn attendance(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<AttendanceInput>,
) -> AppResult<Json<AttendanceOutcome>> {
    user.require(STAFF)?;
    Ok(Json(ops::record_attendance(&state, &user.tenant, &id, input, user.user.id.clone()).await?))
}
