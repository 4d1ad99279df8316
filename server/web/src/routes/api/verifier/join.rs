//! "Join an existing account" (R-ORG-JOIN): the public request and the primary user's decision.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use tessera_app::organisations::{self, JoinForm, JoinRequestView};

/// Asks to join an approved organisation (no account needed): its primary user approves or
/// refuses, and the person is emailed either way. An unknown code is 400
/// `join_unknown_organisation` on `organisation`; each field's refusal names the field.
#[utoipa::path(post, path = "/v1/organisations/join", tag = "verifier", request_body = JoinForm,
    responses((status = 202), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_join(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    Json(form): Json<JoinForm>,
) -> AppResult<StatusCode> {
    organisations::request_join(&state, addr.ip(), &form).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The organisation's pending requests to join (primary user).
#[utoipa::path(get, path = "/v1/verifier/join-requests", tag = "verifier",
    responses((status = 200, body = [JoinRequestView]), (status = 404, body = ErrorBody)))]
pub async fn join_requests(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<JoinRequestView>>> {
    Ok(Json(organisations::join_requests(&state, &user).await?))
}

/// Approves (`approve`: the person becomes an admin user and gets a set-password email) or
/// refuses (`reject`) a pending request; another organisation's is 404.
#[utoipa::path(post, path = "/v1/verifier/join-requests/{id}/{decision}", tag = "verifier",
    params(("id" = String, Path), ("decision" = String, Path, description = "approve or reject")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide_join(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((id, decision)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let approve = super::decision(&decision)?;
    organisations::decide_join(&state, &user, &id, approve).await?;
    Ok(StatusCode::NO_CONTENT)
}
