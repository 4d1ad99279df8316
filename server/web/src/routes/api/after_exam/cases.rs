//! Cases: special consideration, malpractice, conduct complaints, timetable changes.

use super::STAFF;
use crate::error::{AppResult, ErrorBody, HttpError};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::after_exam::{self as ops, CaseInput};
use tessera_app::records::CaseRecord;
use tessera_domain::{ErrorCode, Role};

/// Opens a case: special consideration (before release), malpractice, conduct complaint, timetable change.
#[utoipa::path(post, path = "/v1/entries/{id}/cases", tag = "exam day", request_body = CaseInput, params(("id" = String, Path)),
    responses((status = 201), (status = 409, body = ErrorBody)))]
pub async fn open_case(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<CaseInput>,
) -> AppResult<(StatusCode, Json<CaseRecord>)> {
    user.require(STAFF)?;
    let case = ops::open_case(&state, &user.tenant, &id, input, user.user.id.clone()).await?;
    Ok((StatusCode::CREATED, Json(case.into())))
}

/// Closes a case as `upheld` or `dismissed`; upheld malpractice withholds the result (R-MALPRACTICE).
#[utoipa::path(post, path = "/v1/cases/{id}/{decision}", tag = "exam day", params(("id" = String, Path), ("decision" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn close_case(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, decision)): Path<(String, String)>,
) -> AppResult<Json<CaseRecord>> {
    user.require(&[Role::CentreManager])?;
    let upheld = match decision.as_str() {
        "uphold" => true,
        "dismiss" => false,
        other => {
            return Err(HttpError::at(ErrorCode::InvalidChoice, "decision")
                .arg("value", other)
                .arg("choices", "uphold, dismiss"));
        }
    };
    Ok(Json(ops::close_case(&state, &user.tenant, &id, upheld, user.user.id.clone()).await?.into()))
}
