//! The signed-in verifier user's email notifications.

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_app::notify;
use tessera_app::verifier::Verifier;
use utoipa::ToSchema;

/// A user's notification preference (R-NOTIFY).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotifyPref {
    /// `off`, `each` (an email per candidate), `daily` (a summary each morning) or `weekly` (a
    /// summary on Mondays), in the organisation's time zone.
    pub mode: String,
}

/// The signed-in verifier user's notification preference.
#[utoipa::path(get, path = "/v1/verifier/notifications", tag = "verifier",
    responses((status = 200, body = NotifyPref), (status = 404, body = ErrorBody)))]
pub async fn get_notify(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<NotifyPref>> {
    let v = Verifier::from_user(&user)?;
    Ok(Json(NotifyPref { mode: notify::preference(&state, &v).await? }))
}

/// Sets the signed-in verifier user's notification preference; shares from now on count for it.
#[utoipa::path(put, path = "/v1/verifier/notifications", tag = "verifier", request_body = NotifyPref,
    responses((status = 200, body = NotifyPref), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_notify(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(p): Json<NotifyPref>,
) -> AppResult<Json<NotifyPref>> {
    let v = Verifier::from_user(&user)?;
    notify::set_preference(&state, &v, &p.mode).await?;
    Ok(Json(p))
}
