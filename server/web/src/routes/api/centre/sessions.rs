//! A centre's sessions: read, created, edited, their timetable, and cancelled below their minimum.

use super::STAFF;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use tessera_app::centre::read::{self, SessionView};
use tessera_app::centre::{self as ops, SessionCreated, SessionInput};

/// The centre's sessions, newest first.
#[utoipa::path(get, path = "/v1/sessions", tag = "centre", responses((status = 200, body = [SessionView]), (status = 404, body = ErrorBody)))]
pub async fn sessions(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<SessionView>>> {
    Ok(Json(read::sessions(&state, &user).await?))
}

/// One session of the centre.
#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "centre", params(("id" = String, Path)), responses((status = 200, body = SessionView), (status = 404, body = ErrorBody)))]
pub async fn session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<SessionView>> {
    Ok(Json(read::session(&state, &user, id).await?))
}

/// Creates a session with its timetable (centre staff).
#[utoipa::path(post, path = "/v1/sessions", tag = "centre", request_body = SessionInput,
    responses((status = 201, body = SessionCreated), (status = 400, body = ErrorBody)))]
pub async fn create_session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(input): Json<SessionInput>,
) -> AppResult<(StatusCode, Json<SessionCreated>)> {
    user.require(STAFF)?;
    let out = ops::create_session(&state, &user.tenant, &input, user.user.id.clone()).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Edits a session: fees, deadlines, capacity, minimum, release instant and timetable. The exam,
/// date and delivery cannot change: entries never move (R-NO-TRANSFER).
#[utoipa::path(put, path = "/v1/sessions/{id}", tag = "centre", request_body = SessionInput, params(("id" = String, Path)),
    responses((status = 200, body = SessionCreated), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<SessionInput>,
) -> AppResult<Json<SessionCreated>> {
    user.require(STAFF)?;
    Ok(Json(ops::update_session(&state, &user.tenant, &id, &input, user.user.id.clone()).await?))
}

/// A session's timetable and extras.
#[utoipa::path(get, path = "/v1/sessions/{id}/timetable", tag = "centre", params(("id" = String, Path)), responses((status = 200), (status = 404, body = ErrorBody)))]
pub async fn timetable(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<read::SessionTimetable>> {
    Ok(Json(read::session_timetable(&state, &user, id).await?))
}

/// A cancelled session and the refunds its paid entries were given.
#[derive(serde::Serialize)]
pub struct CancelledSession {
    /// `cancelled`.
    status: &'static str,
    /// One per paid entry.
    refunds: Vec<ops::CancellationRefund>,
}

/// Cancels a session that has not reached its minimum: every entry is cancelled and every paid
/// fee goes to the refund policy as `session_below_minimum` (R-SESSION-MINIMUM: a full refund).
#[utoipa::path(post, path = "/v1/sessions/{id}/cancel", tag = "centre", params(("id" = String, Path)),
    responses((status = 200), (status = 409, body = ErrorBody)))]
pub async fn cancel_session(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<CancelledSession>> {
    let refunds = ops::cancel_session(&state, &user, &id).await?;
    Ok(Json(CancelledSession { status: "cancelled", refunds }))
}
