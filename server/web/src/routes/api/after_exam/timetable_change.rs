//! A candidate's speaking test moved within the speaking window.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use tessera_app::after_exam::{self as ops, TimetableChangeInput};

/// A speaking test moved (free of charge).
#[derive(serde::Serialize)]
pub struct SpeakingDayMoved {
    /// The new day.
    speaking_day: chrono::NaiveDate,
    /// What the move costs: nothing.
    fee_minor: i64,
}

/// Moves a candidate's speaking test within the speaking window, free, for a documented reason;
/// written and listening dates never change (R-TIMETABLE-CHANGE).
#[utoipa::path(post, path = "/v1/entries/{id}/timetable-change", tag = "exam day", request_body = TimetableChangeInput, params(("id" = String, Path)),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn timetable_change(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<TimetableChangeInput>,
) -> AppResult<Json<SpeakingDayMoved>> {
    user.require(STAFF)?;
    let day = ops::change_speaking_day(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok(Json(SpeakingDayMoved { speaking_day: day, fee_minor: 0 }))
}
